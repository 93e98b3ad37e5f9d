// The Idempotency-Key gate on its own (the checkpoint's use is in checkpoint_test.cc): claims,
// replays, refusals, and what is recorded when a request leaves, for the API and the proxy.
#include "http/idempotency_gate.h"

#include <gtest/gtest.h>

#include "api_fixture.h"

namespace keyward {
namespace {

using api_test::ApiFixture;

Digest Fp(std::string_view body) {
  return IdempotencyService::Fingerprint("POST", "/v1/things", body);
}

TEST(IdempotencyGate, ValidatesTheKey) {
  EXPECT_EQ(IdempotencyGate::Validate("", "req_1")->status, 400);
  EXPECT_EQ(IdempotencyGate::Validate(std::string(256, 'k'), "req_1")->status, 400);
  EXPECT_FALSE(IdempotencyGate::Validate("fine-key", "req_1").has_value());
}

TEST(IdempotencyGate, StoresA2xxWithoutSecretsAndReplaysIt) {
  ApiFixture f;
  IdempotencyGate gate(f.services().idempotency());
  ASSERT_TRUE(gate.Enter("acct_1", "k", Fp("a"), "req_1").proceed);
  EXPECT_EQ(gate.Enter("acct_1", "k", Fp("a"), "req_2").response.status, 409);  // still running
  HttpResponse ok;
  ok.body = R"({"id":"tok_1","key":"sk_live_secret"})";
  gate.Leave("acct_1", "k", ok, "req_1");

  IdempotencyGate::Entry replay = gate.Enter("acct_1", "k", Fp("a"), "req_3");
  EXPECT_FALSE(replay.proceed);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.response.status, 200);
  EXPECT_EQ(replay.response.body, R"({"id":"tok_1"})");
  EXPECT_EQ(replay.response.Find("Idempotent-Replayed"), "true");
  EXPECT_EQ(gate.Enter("acct_1", "k", Fp("b"), "req_4").response.status, 422);
  // Another scope has its own keys.
  EXPECT_TRUE(gate.Enter("acct_2", "k", Fp("b"), "req_5").proceed);
}

TEST(IdempotencyGate, ARefusalOrAFailureReleasesTheClaim) {
  ApiFixture f;
  IdempotencyGate gate(f.services().idempotency());
  ASSERT_TRUE(gate.Enter("acct_1", "k", Fp("a"), "req_1").proceed);
  HttpResponse refused;
  refused.status = 403;
  gate.Leave("acct_1", "k", refused, "req_1");
  ASSERT_TRUE(gate.Enter("acct_1", "k", Fp("a"), "req_2").proceed);
  gate.Abandon("acct_1", "k");
  EXPECT_TRUE(gate.Enter("acct_1", "k", Fp("a"), "req_3").proceed);
}

TEST(IdempotencyGate, AForwardedResponseIsStoredBelow500AndReleasedOtherwise) {
  ApiFixture f;
  IdempotencyGate gate(f.services().idempotency());
  ASSERT_TRUE(gate.Enter("acct_1", "up", Fp("a"), "req_1").proceed);
  gate.LeaveForwarded("acct_1", "up", 404, std::string("stored form"), "req_1");
  IdempotencyGate::Entry replay = gate.Enter("acct_1", "up", Fp("a"), "req_2");
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.response.status, 404);
  EXPECT_EQ(replay.response.body, "stored form");

  ASSERT_TRUE(gate.Enter("acct_1", "down", Fp("a"), "req_3").proceed);
  gate.LeaveForwarded("acct_1", "down", 502, std::string("bad gateway"), "req_3");
  EXPECT_TRUE(gate.Enter("acct_1", "down", Fp("a"), "req_4").proceed);
  gate.LeaveForwarded("acct_1", "down", 200, std::nullopt, "req_4");  // too large to keep
  EXPECT_TRUE(gate.Enter("acct_1", "down", Fp("a"), "req_5").proceed);
}

}  // namespace
}  // namespace keyward
