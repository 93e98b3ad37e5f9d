#include "service/verifier.h"

#include <gtest/gtest.h>

#include "core/sha256.h"
#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::TestServices;

ServiceSettings WithRoutes() {
  ServiceSettings s;
  std::vector<RouteRule> rules;
  RouteRule extract;
  extract.method = "POST";
  extract.path = "/v1/extractions";
  extract.permission = "extractions:write";
  extract.rate_limit = RateSpec{2, 60};
  rules.push_back(extract);
  RouteRule pub;
  pub.method = "GET";
  pub.path = "/v1/public/*";
  pub.publishable = true;
  rules.push_back(pub);
  s.routes = RouteTable(std::move(rules));
  s.plans["default"] = RateSpec{5, 60};
  return s;
}

TEST(Verifier, ValidKeyVerifies) {
  TestServices t;
  auto key = t.NewKey(t.NewAccount());
  Verdict v = t->verifier().Verify(key.key, "GET", "/anything");
  ASSERT_TRUE(v.valid());
  EXPECT_EQ(v.record->token_id(), key.row.id);
  ASSERT_TRUE(v.ratelimit.has_value());
  EXPECT_EQ(v.ratelimit->limit, 150);
  EXPECT_EQ(v.ratelimit->remaining, 149);
}

TEST(Verifier, MalformedAndBadChecksumAreUnauthorized) {
  TestServices t;
  auto key = t.NewKey(t.NewAccount());
  std::string flipped = key.key;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  for (const std::string& bad :
       {std::string("garbage"), std::string(""), flipped, key.key + "x", std::string(300, 'a')}) {
    Verdict v = t->verifier().Verify(bad, "GET", "/");
    ASSERT_FALSE(v.valid()) << bad;
    EXPECT_EQ(*v.error, ErrorCode::kUnauthorized);
    EXPECT_FALSE(v.ratelimit.has_value());  // never identified, never counted
  }
}

TEST(Verifier, UnknownWellFormedKeyIsUnauthorizedAndCachedAsMissing) {
  TestServices t;
  const std::string unknown = t->format().GenerateApiKey(KeyType::kSecret, true);
  Verdict v = t->verifier().Verify(unknown, "GET", "/");
  EXPECT_EQ(*v.error, ErrorCode::kUnauthorized);
  EXPECT_TRUE(t->index().KnownMissing(Sha256(unknown), t.clock.NowNanos()));
  t.clock.AdvanceSeconds(3);
  EXPECT_FALSE(t->index().KnownMissing(Sha256(unknown), t.clock.NowNanos()));
}

TEST(Verifier, KeyWrittenBehindTheIndexIsFoundInTheStore) {
  // As when the CLI creates a key while the server runs: only the store knows it.
  TestServices t;
  const std::string account = t.NewAccount();
  const std::string key = t->format().GenerateApiKey(KeyType::kSecret, true);
  TokenRow row;
  row.id = "tok_aaaaaaaaaaaaaaaaaaaaaaaa";
  row.account_id = account;
  row.name = "cli";
  row.key_hash = Sha256(key);
  row.key_prefix = DisplayPrefix(key, 12);
  row.last4 = Last4(key);
  row.created = t.clock.NowUnix();
  ASSERT_TRUE(t->store().InsertToken(row).ok());
  Verdict v = t->verifier().Verify(key, "GET", "/");
  EXPECT_TRUE(v.valid());
  EXPECT_NE(t->index().Find(Sha256(key)), nullptr);
}

TEST(Verifier, RevokedKeyIsRefusedAtOnce) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto key = t.NewKey(account);
  ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());
  ASSERT_TRUE(t->tokens().Revoke(Principal::Admin(account), key.row.id).ok());
  Verdict v = t->verifier().Verify(key.key, "GET", "/");
  EXPECT_EQ(*v.error, ErrorCode::kUnauthorized);
  EXPECT_EQ(v.message, "The API key has been revoked.");
}

TEST(Verifier, ExpiryIsDrivenByTheClock) {
  TestServices t;
  CreateTokenParams p;
  p.expires_at = t.clock.NowUnix() + 60;
  auto key = t.NewKey(t.NewAccount(), p);
  EXPECT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());
  t.clock.AdvanceSeconds(59);
  EXPECT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());
  t.clock.AdvanceSeconds(1);
  Verdict v = t->verifier().Verify(key.key, "GET", "/");
  EXPECT_EQ(*v.error, ErrorCode::kUnauthorized);
  EXPECT_EQ(v.message, "The API key has expired.");
}

TEST(Verifier, RestrictedKeyNeedsTheRoutePermission) {
  TestServices t(WithRoutes());
  const std::string account = t.NewAccount();
  CreateTokenParams without;
  without.type = "restricted";
  without.permissions = std::vector<std::string>{"files:read"};
  CreateTokenParams with = without;
  with.permissions = std::vector<std::string>{"extractions:*"};
  auto a = t.NewKey(account, without), b = t.NewKey(account, with);
  EXPECT_EQ(*t->verifier().Verify(a.key, "POST", "/v1/extractions").error, ErrorCode::kForbidden);
  EXPECT_TRUE(t->verifier().Verify(b.key, "POST", "/v1/extractions").valid());
  // An unmatched route needs no permission.
  EXPECT_TRUE(t->verifier().Verify(a.key, "GET", "/v1/other").valid());
}

TEST(Verifier, PublishableKeyOnlyOnPublishableRoutes) {
  TestServices t(WithRoutes());
  CreateTokenParams p;
  p.type = "publishable";
  auto key = t.NewKey(t.NewAccount(), p);
  EXPECT_TRUE(t->verifier().Verify(key.key, "GET", "/v1/public/x").valid());
  EXPECT_EQ(*t->verifier().Verify(key.key, "POST", "/v1/extractions").error, ErrorCode::kForbidden);
  EXPECT_EQ(*t->verifier().Verify(key.key, "GET", "/v1/other").error, ErrorCode::kForbidden);
}

TEST(Verifier, PerKeyAndPerRouteLimitsCountDownAndRefuse) {
  TestServices t(WithRoutes());
  auto key = t.NewKey(t.NewAccount());
  Verdict v1 = t->verifier().Verify(key.key, "POST", "/v1/extractions");
  ASSERT_TRUE(v1.valid());
  EXPECT_EQ(v1.ratelimit->limit, 2);  // the route's limit is the tighter one
  EXPECT_EQ(v1.ratelimit->remaining, 1);
  EXPECT_EQ(v1.ratelimit->policy, "per-route");
  ASSERT_TRUE(t->verifier().Verify(key.key, "POST", "/v1/extractions").valid());
  Verdict v3 = t->verifier().Verify(key.key, "POST", "/v1/extractions");
  ASSERT_FALSE(v3.valid());
  EXPECT_EQ(*v3.error, ErrorCode::kRateLimited);
  EXPECT_GE(v3.ratelimit->retry_after_s, 1);
  // Other routes still have the per-key budget: 5 minus the 2 charged above.
  Verdict other = t->verifier().Verify(key.key, "GET", "/x");
  ASSERT_TRUE(other.valid());
  EXPECT_EQ(other.ratelimit->remaining, 2);
  EXPECT_EQ(other.ratelimit->policy, "per-key");
  // Time refills the route bucket.
  t.clock.AdvanceSeconds(60);
  EXPECT_TRUE(t->verifier().Verify(key.key, "POST", "/v1/extractions").valid());
}

TEST(Verifier, DryRunTakesNothing) {
  TestServices t(WithRoutes());
  auto key = t.NewKey(t.NewAccount());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(t->verifier().Verify(key.key, "POST", "/v1/extractions", "", Consume::kNo).valid());
  }
  EXPECT_TRUE(t->verifier().Verify(key.key, "POST", "/v1/extractions").valid());
}

TEST(Verifier, UsageIsWrittenOffThePathAndFlushed) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto key = t.NewKey(account);
  ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());
  ASSERT_TRUE(t->usage().Flush().ok());
  auto row = t->store().GetToken(account, key.row.id);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->last_used_at, t.clock.NowUnix());
}

TEST(KeyIndex, FillNeverReplacesAPublishedRecord) {
  KeyIndex index;
  Digest d = Sha256("x");
  auto revoked = std::make_shared<KeyRecord>();
  revoked->revoked = true;
  index.Publish(d, revoked);
  auto stale = std::make_shared<KeyRecord>();  // a slow store read that saw the key active
  EXPECT_EQ(index.Fill(d, stale), revoked);
  EXPECT_TRUE(index.Find(d)->revoked);
}

TEST(KeyIndex, PublishClearsTheNegativeCache) {
  KeyIndex index(1'000'000'000);
  Digest d = Sha256("y");
  index.RememberMissing(d, 0);
  EXPECT_TRUE(index.KnownMissing(d, 10));
  index.Publish(d, std::make_shared<KeyRecord>());
  EXPECT_FALSE(index.KnownMissing(d, 10));
}

}  // namespace
}  // namespace keyward
