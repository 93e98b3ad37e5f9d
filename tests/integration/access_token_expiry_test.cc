// API.md 3: an access token past its expires_at gets 403 TOKEN_EXPIRED, and /v1/token/verify says
// {"valid":false}. The one real-time test of the suite: expiry_minutes is at least 1, so it waits
// about a minute (the clock-driven cases are unit tests).
#include <chrono>
#include <string>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

TEST(AccessTokenExpiryTest, TokenIsRefusedWithTokenExpiredAfterItsExpiry) {
  KeywardProcess p;
  HttpClient c = p.Client();
  std::string account = CreateAccount(c, p.admin_key());
  CreatedKey sk = CreateKey(c, AdminFor(p.admin_key(), account));
  auto started = std::chrono::steady_clock::now();
  int64_t before = Now();
  MintedToken t = MintAccessToken(c, ApiKey(sk.key), 1);
  EXPECT_GE(t.expires_unix, before + 60 - 5) << t.expires_at;
  EXPECT_LE(t.expires_unix, Now() + 60 + 5) << t.expires_at;

  Response first = Auth(c, t.token);
  ASSERT_EQ(first.status, 200) << Describe(first);
  ASSERT_EQ(CheckAccessToken(c, ApiKey(sk.key), t.token).object().at("valid"), true);

  // Poll every ~2 s, up to 75 s after minting, until the token is refused.
  auto deadline = started + std::chrono::seconds(75);
  Response last;
  int polls = 0;
  for (;;) {
    last = Auth(c, t.token);
    ++polls;
    if (last.status != 200) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "still accepted " << Now() - t.expires_unix << " s after expires_at " << t.expires_at;
    std::this_thread::sleep_for(std::chrono::seconds(2));  // real time: the token lives 60 s
  }
  int64_t refused_at = Now();
  EXPECT_TRUE(IsError(last, 403, "TOKEN_EXPIRED")) << "after " << polls << " polls";
  EXPECT_GE(refused_at, t.expires_unix - 1) << "refused before its expires_at " << t.expires_at << ": " << Describe(last);
  EXPECT_FALSE(last.has_header("X-Keyward-Account")) << Describe(last);
  EXPECT_TRUE(last.has_header("X-RateLimit-Limit")) << "an expired token still reports its limit: " << Describe(last);

  // Every other way of presenting or checking it agrees.
  EXPECT_TRUE(IsError(c.Get("/v1/auth", Bearer(t.token)), 403, "TOKEN_EXPIRED"));
  Response v = Verify(c, t.token);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("valid"), false) << Describe(v);
  EXPECT_EQ(v.object().at("code"), "TOKEN_EXPIRED") << Describe(v);
  Response check = CheckAccessToken(c, ApiKey(sk.key), t.token);
  ASSERT_EQ(check.status, 200) << Describe(check);
  EXPECT_EQ(check.object(), (boost::json::object{{"valid", false}})) << Describe(check);
  Response admin_check = CheckAccessToken(c, Admin(p.admin_key()), t.token);
  ASSERT_EQ(admin_check.status, 200) << Describe(admin_check);
  EXPECT_EQ(admin_check.object(), (boost::json::object{{"valid", false}})) << Describe(admin_check);

  // The parent lives on and mints a fresh token.
  EXPECT_EQ(Auth(c, sk.key).status, 200);
  EXPECT_EQ(Auth(c, MintAccessToken(c, ApiKey(sk.key), 1).token).status, 200);
  RecordProperty("seconds_past_expiry_when_refused", static_cast<int>(refused_at - t.expires_unix));
}

}  // namespace
}  // namespace keyward_it
