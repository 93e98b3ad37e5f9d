// Access tokens (API.md 3) and the sandbox key (API.md 6), with time driven by a ManualClock.
#include <gtest/gtest.h>

#include "core/sha256.h"
#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::Restricted;
using testing::TestServices;

TEST(AccessTokens, MintedTokenCarriesItsParentsIdentity) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto parent = t.NewKey(account, Restricted({"tokens:write", "files:read"}));
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 5);
  ASSERT_TRUE(minted.ok()) << minted.error().message();
  EXPECT_TRUE(minted->token.starts_with("at_"));
  EXPECT_EQ(minted->expires_at, t.clock.NowUnix() + 300);
  Verdict v = t->verifier().Verify(minted->token, "GET", "/x");
  ASSERT_TRUE(v.valid());
  EXPECT_EQ(v.record->kind, CredentialKind::kAccessToken);
  EXPECT_EQ(v.record->account->id, account);
  EXPECT_EQ(v.record->token_id(), parent.row.id);
  EXPECT_EQ(v.record->permissions, parent.row.permissions);
  EXPECT_EQ(v.record->livemode, true);
}

TEST(AccessTokens, ExpiryIsTokenExpiredNotUnauthorized) {
  TestServices t;
  auto parent = t.NewKey(t.NewAccount());
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 1);
  ASSERT_TRUE(minted.ok());
  t.clock.AdvanceSeconds(59);
  EXPECT_TRUE(t->verifier().Verify(minted->token, "GET", "/").valid());
  t.clock.AdvanceSeconds(1);
  Verdict v = t->verifier().Verify(minted->token, "GET", "/");
  EXPECT_EQ(*v.error, ErrorCode::kTokenExpired);
}

TEST(AccessTokens, RevokingOrRollingTheParentKillsThem) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto a = t.NewKey(account), b = t.NewKey(account), c = t.NewKey(account);
  auto ta = t->tokens().MintAccessToken(t.KeyPrincipal(a.key), 60);
  auto tb = t->tokens().MintAccessToken(t.KeyPrincipal(b.key), 60);
  auto tc = t->tokens().MintAccessToken(t.KeyPrincipal(c.key), 60);
  ASSERT_TRUE(ta.ok() && tb.ok() && tc.ok());
  ASSERT_TRUE(t->tokens().Revoke(Principal::Admin(account), a.row.id).ok());
  EXPECT_EQ(*t->verifier().Verify(ta->token, "GET", "/").error, ErrorCode::kUnauthorized);
  ASSERT_TRUE(t->tokens().Roll(Principal::Admin(account), b.row.id, 0).ok());
  EXPECT_EQ(*t->verifier().Verify(tb->token, "GET", "/").error, ErrorCode::kUnauthorized);
  ASSERT_TRUE(t->tokens().Roll(Principal::Admin(account), c.row.id, 600).ok());
  EXPECT_TRUE(t->verifier().Verify(tc->token, "GET", "/").valid());  // grace: parent still live
  t.clock.AdvanceSeconds(600);
  EXPECT_EQ(*t->verifier().Verify(tc->token, "GET", "/").error, ErrorCode::kUnauthorized);
}

TEST(AccessTokens, WhoMayMint) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto expect_forbidden = [&](const Principal& who) {
    auto r = t->tokens().MintAccessToken(who, 10);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kForbidden);
  };
  expect_forbidden(Principal::Admin(account));
  CreateTokenParams pub;
  pub.type = "publishable";
  expect_forbidden(t.KeyPrincipal(t.NewKey(account, pub).key));
  expect_forbidden(t.KeyPrincipal(t.NewKey(account, Restricted({"files:read"})).key));
  auto parent = t.NewKey(account);
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 10);
  ASSERT_TRUE(minted.ok());
  expect_forbidden(t.KeyPrincipal(minted->token));  // an access token cannot mint
  expect_forbidden(Principal::OfKey(t->verifier().sandbox_record()));
  for (int64_t bad : {0, 61, -1}) {
    auto r = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), bad);
    EXPECT_EQ(r.error().param(), "expiry_minutes");
  }
}

TEST(AccessTokens, AccessTokensNeverManageKeys) {
  TestServices t;
  auto parent = t.NewKey(t.NewAccount());
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 10);
  Principal who = t.KeyPrincipal(minted->token);
  EXPECT_EQ(t->tokens().List(who, TokenFilter::kAll, {}).error().code(), ErrorCode::kForbidden);
  CreateTokenParams p;
  p.name = "x";
  EXPECT_EQ(t->tokens().Create(who, p).error().code(), ErrorCode::kForbidden);
}

TEST(AccessTokens, CheckSeesOnlyTheCallersAccount) {
  TestServices t;
  const std::string a = t.NewAccount(), b = t.NewAccount();
  auto key_a = t.NewKey(a), key_b = t.NewKey(b);
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(key_a.key), 10);
  auto same = t->tokens().CheckAccessToken(t.KeyPrincipal(key_a.key), minted->token);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, minted->expires_at);
  EXPECT_FALSE(t->tokens().CheckAccessToken(t.KeyPrincipal(key_b.key), minted->token)->has_value());
  EXPECT_TRUE(t->tokens().CheckAccessToken(Principal::Admin(""), minted->token)->has_value());
  EXPECT_FALSE(t->tokens().CheckAccessToken(Principal::Admin(""), "at_garbage")->has_value());
  t.clock.AdvanceSeconds(600);
  EXPECT_FALSE(t->tokens().CheckAccessToken(t.KeyPrincipal(key_a.key), minted->token)->has_value());
}

TEST(AccessTokens, EachTokenHasItsOwnRateLimitBucket) {
  ServiceSettings s;
  s.plans["default"] = RateSpec{2, 60};
  TestServices t(s);
  auto parent = t.NewKey(t.NewAccount());
  auto t1 = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 10);  // uses 1 of parent's 2
  auto t2 = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 10);  // uses the 2nd
  ASSERT_TRUE(t1.ok() && t2.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(t->verifier().Verify(t1->token, "GET", "/").valid());
    EXPECT_TRUE(t->verifier().Verify(t2->token, "GET", "/").valid());
  }
  EXPECT_EQ(*t->verifier().Verify(t1->token, "GET", "/").error, ErrorCode::kRateLimited);
}

TEST(AccessTokens, TheyAreReloadedAtStartAndPurgedLongAfterExpiry) {
  TestServices t;
  auto parent = t.NewKey(t.NewAccount());
  auto minted = t->tokens().MintAccessToken(t.KeyPrincipal(parent.key), 1);
  ASSERT_TRUE(minted.ok());
  // Forget the index: a fresh lookup goes to the store, as after a restart.
  t->index().EraseIf([](const KeyRecord&) { return true; });
  EXPECT_TRUE(t->verifier().Verify(minted->token, "GET", "/").valid());
  t.clock.AdvanceSeconds(120);
  EXPECT_EQ(*t->verifier().Verify(minted->token, "GET", "/").error, ErrorCode::kTokenExpired);
  t.clock.AdvanceSeconds(Services::kAccessTokenRetentionSeconds);
  EXPECT_EQ(t->PurgeExpiredAccessTokens(), 1u);
  EXPECT_FALSE(t->store().FindAccessTokenByHash(Sha256(minted->token))->has_value());
}

TEST(Sandbox, AuthenticatesAsTheBuiltInAccountInTestMode) {
  TestServices t;
  Verdict v =
      t->verifier().Verify("sandbox-with-json-responses", "POST", "/v1/anything", "1.2.3.4");
  ASSERT_TRUE(v.valid());
  EXPECT_TRUE(v.record->sandbox);
  EXPECT_FALSE(v.record->livemode);
  EXPECT_EQ(v.charged, 0);
  EXPECT_EQ(v.ratelimit->limit, 10);
}

TEST(Sandbox, IsLimitedPerClientIp) {
  TestServices t;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(t->verifier().Verify("sandbox-with-json-responses", "GET", "/", "1.1.1.1").valid());
  }
  EXPECT_EQ(*t->verifier().Verify("sandbox-with-json-responses", "GET", "/", "1.1.1.1").error,
            ErrorCode::kRateLimited);
  EXPECT_TRUE(t->verifier().Verify("sandbox-with-json-responses", "GET", "/", "2.2.2.2").valid());
}

TEST(Sandbox, DisabledSandboxKeyIsJustMalformed) {
  ServiceSettings s;
  s.sandbox.enabled = false;
  TestServices t(s);
  EXPECT_EQ(*t->verifier().Verify("sandbox-with-json-responses", "GET", "/").error,
            ErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace keyward
