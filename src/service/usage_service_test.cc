// Usage (API.md 12) through the real Verifier, UsageRecorder and UsageService over SQLite, with a
// manual clock: what is counted and how, the minute/hour/day rows every flush adds to (the
// rollups), retention, and the query's rounding, defaults, limits and visibility.
#include "service/usage_service.h"

#include <gtest/gtest.h>

#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::TestServices;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;

ServiceSettings FivePerMinute() {
  ServiceSettings s;
  s.plans["default"] = RateSpec{5, 60};
  RouteRule paid;
  paid.method = "POST";
  paid.path = "/v1/paid";
  paid.cost = 3;
  s.routes = RouteTable({paid});
  return s;
}

class UsageServiceTest : public ::testing::Test {
 protected:
  UsageServiceTest() : t_(FivePerMinute()) {
    // 10:00:30 UTC on some day: minute, hour and day buckets all well inside.
    t_.clock.SetUnix(1'800'000'000 - 1'800'000'000 % kDay + 10 * kHour + 30);
    account_ = t_.NewAccount(1000);
    key_ = t_.NewKey(account_);
  }

  UsageSeries ReadOrDie(const Principal& who, UsageQuery q) {
    auto series = t_->usage_reports().Read(who, q);
    EXPECT_TRUE(series.ok()) << (series.ok() ? "" : series.error().ForLog());
    return series.ok() ? *series : UsageSeries{};
  }
  // The one bucket of `owner`'s series containing now, at granularity g.
  UsageCounts Now(const Principal& who, int64_t g, std::string token = {},
                  std::string account = {}) {
    UsageQuery q;
    q.granularity = g;
    q.from = t_.clock.NowUnix();
    q.to = t_.clock.NowUnix();
    q.token = std::move(token);
    q.account = std::move(account);
    UsageSeries s = ReadOrDie(who, q);
    EXPECT_EQ(s.data.size(), 1u);
    return s.data.empty() ? UsageCounts{} : s.data[0].counts;
  }
  void Flush() { ASSERT_TRUE(t_->usage().Flush().ok()); }

  TestServices t_;
  std::string account_;
  IssuedToken key_;
};

TEST_F(UsageServiceTest, EightRequestsAgainstFivePerMinuteAreFiveValidThreeLimited) {
  for (int i = 0; i < 8; ++i) t_->verifier().Verify(key_.key, "GET", "/v1/things");
  Flush();
  const UsageCounts expected{.valid = 5, .rate_limited = 3};
  const Principal admin = Principal::Admin("");
  for (int64_t g : {int64_t{60}, kHour, kDay}) {
    EXPECT_EQ(Now(admin, g, key_.row.id), expected) << "token, granularity " << g;
    EXPECT_EQ(Now(admin, g, {}, account_), expected) << "account, granularity " << g;
    EXPECT_EQ(Now(admin, g), expected) << "service, granularity " << g;
  }
  // The key's own account sees the same through the key.
  EXPECT_EQ(Now(t_.KeyPrincipal(key_.key), 60), expected);
}

TEST_F(UsageServiceTest, CreditsRefusalsAndEveryKindOfCredentialAreCountedAsAnswered) {
  Verdict paid = t_->verifier().Verify(key_.key, "POST", "/v1/paid");
  ASSERT_TRUE(paid.valid());
  // A test-mode key counts in the same rows with no credits.
  CreateTokenParams test_mode;
  test_mode.livemode = false;
  IssuedToken test_key = t_.NewKey(account_, test_mode);
  ASSERT_TRUE(t_->verifier().Verify(test_key.key, "POST", "/v1/paid").valid());
  // A publishable key is refused a route not marked publishable: FORBIDDEN.
  CreateTokenParams publishable;
  publishable.type = "publishable";
  IssuedToken pk = t_.NewKey(account_, publishable);
  EXPECT_EQ(t_->verifier().Verify(pk.key, "GET", "/v1/things").error, ErrorCode::kForbidden);
  // A revoked key: UNAUTHORIZED, on that key.
  IssuedToken revoked = t_.NewKey(account_);
  ASSERT_TRUE(t_->tokens().Revoke(Principal::Admin(account_), revoked.row.id).ok());
  EXPECT_EQ(t_->verifier().Verify(revoked.key, "GET", "/x").error, ErrorCode::kUnauthorized);
  // An access token counts on its parent; expired it is FORBIDDEN (TOKEN_EXPIRED).
  auto at = t_->tokens().MintAccessToken(t_.KeyPrincipal(key_.key), 1);
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(t_->verifier().Verify(at->token, "GET", "/v1/things").valid());
  // Not counted: unknown keys, malformed ones, the sandbox key, dry runs.
  EXPECT_FALSE(t_->verifier().Verify("sk_live_nonsense", "GET", "/x").valid());
  EXPECT_TRUE(t_->verifier().Verify("sandbox-with-json-responses", "GET", "/x").valid());
  EXPECT_TRUE(t_->verifier().Verify(key_.key, "GET", "/x", "", Consume::kNo).valid());
  Flush();

  const Principal admin = Principal::Admin("");
  EXPECT_EQ(Now(admin, 60, key_.row.id), (UsageCounts{.valid = 2, .credits = 3}));
  EXPECT_EQ(Now(admin, 60, test_key.row.id), UsageCounts{.valid = 1});
  EXPECT_EQ(Now(admin, 60, pk.row.id), UsageCounts{.forbidden = 1});
  EXPECT_EQ(Now(admin, 60, revoked.row.id), UsageCounts{.unauthorized = 1});
  EXPECT_EQ(Now(admin, 60, {}, account_),
            (UsageCounts{.valid = 3, .forbidden = 1, .unauthorized = 1, .credits = 3}));
  EXPECT_EQ(Now(admin, 60), Now(admin, 60, {}, account_));  // nothing else counted

  // Past its expiry the access token is refused TOKEN_EXPIRED: forbidden, on the parent.
  t_.clock.AdvanceSeconds(61);
  EXPECT_EQ(t_->verifier().Verify(at->token, "GET", "/v1/things").error, ErrorCode::kTokenExpired);
  Flush();
  EXPECT_EQ(Now(admin, 60, key_.row.id), UsageCounts{.forbidden = 1});
}

TEST_F(UsageServiceTest, ManagementCallsMadeWithAKeyAreCounted) {
  auto admitted = t_->verifier().AdmitManagement(
      *t_->verifier().IdentifyCaller(key_.key, FixedClientAddress({})),
      ManagementRequest{.permission = "tokens:read"});
  EXPECT_TRUE(admitted.valid());
  CreateTokenParams restricted = testing::Restricted({"things:read"});
  IssuedToken rk = t_.NewKey(account_, restricted);
  auto refused =
      t_->verifier().AdmitManagement(*t_->verifier().IdentifyCaller(rk.key, FixedClientAddress({})),
                                     ManagementRequest{.permission = "billing:read"});
  EXPECT_EQ(refused.error, ErrorCode::kForbidden);
  ASSERT_TRUE(t_->tokens().Revoke(Principal::Admin(account_), rk.row.id).ok());
  EXPECT_FALSE(t_->verifier().IdentifyCaller(rk.key, FixedClientAddress({})).ok());
  // Identify alone (another key's access token being checked) counts nothing.
  EXPECT_TRUE(t_->verifier().Identify(key_.key).ok());
  Flush();
  const Principal admin = Principal::Admin("");
  EXPECT_EQ(Now(admin, 60, key_.row.id), UsageCounts{.valid = 1});
  EXPECT_EQ(Now(admin, 60, rk.row.id), (UsageCounts{.forbidden = 1, .unauthorized = 1}));
}

TEST_F(UsageServiceTest, EachFlushAddsToMinuteHourAndDayRows) {
  // Two minutes of one hour and one minute of the next hour.
  t_->verifier().Verify(key_.key, "GET", "/a");
  Flush();
  t_.clock.AdvanceSeconds(60);
  t_->verifier().Verify(key_.key, "GET", "/a");
  t_->verifier().Verify(key_.key, "GET", "/a");
  Flush();
  t_.clock.AdvanceSeconds(kHour);
  t_->verifier().Verify(key_.key, "GET", "/a");
  Flush();
  const Principal who = t_.KeyPrincipal(key_.key);
  const int64_t now = t_.clock.NowUnix();
  UsageQuery minutes{.granularity = 60, .from = now - kHour - 60, .to = now};
  UsageSeries m = ReadOrDie(who, minutes);
  int64_t sum = 0;
  for (const UsageRow& r : m.data) sum += r.counts.valid;
  EXPECT_EQ(sum, 4);
  UsageSeries h = ReadOrDie(who, UsageQuery{.granularity = kHour, .from = now - kHour, .to = now});
  ASSERT_EQ(h.data.size(), 2u);
  EXPECT_EQ(h.data[0].counts.valid, 3);
  EXPECT_EQ(h.data[1].counts.valid, 1);
  EXPECT_EQ(Now(who, kDay).valid, 4);
}

TEST_F(UsageServiceTest, RetentionDropsRowsByGranularity) {
  ServiceSettings settings = FivePerMinute();
  settings.usage.minute_retention_seconds = 2 * kHour;
  settings.usage.hour_retention_seconds = 3 * kDay;
  settings.usage.day_retention_seconds = 10 * kDay;
  TestServices t(settings);
  t.clock.SetUnix(t_.clock.NowUnix());
  const std::string account = t.NewAccount();
  const IssuedToken key = t.NewKey(account);
  const int64_t first = t.clock.NowUnix();
  t->verifier().Verify(key.key, "GET", "/a");
  ASSERT_TRUE(t->usage().Flush().ok());
  auto count = [&](int64_t g) {
    auto rows = t.store_ptr->ReadUsage(key.row.id, g, 0, first + 100 * kDay);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? rows->size() : 0;
  };
  auto purge = [&] { ASSERT_TRUE(t->usage_reports().PurgeExpired().ok()); };
  purge();
  EXPECT_EQ(count(60), 1u);
  t.clock.AdvanceSeconds(2 * kHour);  // the minute is not wholly older yet
  purge();
  EXPECT_EQ(count(60), 1u);
  t.clock.AdvanceSeconds(60);
  purge();
  EXPECT_EQ(count(60), 0u);
  EXPECT_EQ(count(kHour), 1u);
  t.clock.AdvanceSeconds(3 * kDay);
  purge();
  EXPECT_EQ(count(kHour), 0u);
  EXPECT_EQ(count(kDay), 1u);
  t.clock.AdvanceSeconds(8 * kDay);
  purge();
  EXPECT_EQ(count(kDay), 0u);
}

TEST_F(UsageServiceTest, RangeIsRoundedDefaultedFilledAndBounded) {
  const Principal who = t_.KeyPrincipal(key_.key);
  const int64_t now = t_.clock.NowUnix();  // 10:00:30
  // Defaults: hour buckets of the last 24 h, `to` rounded up (the current hour included).
  UsageSeries d = ReadOrDie(who, UsageQuery{});
  EXPECT_EQ(d.granularity, kHour);
  EXPECT_EQ(d.to, now - 30 + kHour);
  EXPECT_EQ(d.from, now - 30 - 24 * kHour);
  ASSERT_EQ(d.data.size(), 25u);
  for (size_t i = 0; i < d.data.size(); ++i) {
    EXPECT_EQ(d.data[i].start, d.from + static_cast<int64_t>(i) * kHour);
    EXPECT_TRUE(d.data[i].counts.empty());
  }
  // from rounds down and to up.
  UsageSeries r = ReadOrDie(who, UsageQuery{.granularity = 60, .from = now - 61, .to = now + 1});
  EXPECT_EQ(r.from, now - 30 - 60);
  EXPECT_EQ(r.to, now - 30 + 60);
  EXPECT_EQ(r.data.size(), 2u);
  // 1500 buckets pass, 1501 are refused on `from`.
  EXPECT_TRUE(t_->usage_reports()
                  .Read(who, UsageQuery{.granularity = 60, .from = now - 30 - 1499 * 60, .to = now})
                  .ok());
  auto over = t_->usage_reports().Read(
      who, UsageQuery{.granularity = 60, .from = now - 30 - 1500 * 60, .to = now});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(over.error().param(), "from");
  auto backwards = t_->usage_reports().Read(who, UsageQuery{.from = now, .to = now - kHour});
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().param(), "from");
  EXPECT_FALSE(t_->usage_reports().Read(who, UsageQuery{.granularity = 7}).ok());
}

TEST_F(UsageServiceTest, OthersTokensAndAccountsAreNotFound) {
  const std::string other = t_.NewAccount();
  const IssuedToken other_key = t_.NewKey(other);
  const Principal mine = t_.KeyPrincipal(key_.key);
  auto read = [&](const Principal& who, std::string token, std::string account) {
    UsageQuery q;
    q.token = std::move(token);
    q.account = std::move(account);
    return t_->usage_reports().Read(who, q);
  };
  auto code = [](const Result<UsageSeries>& r) {
    return r.ok() ? ErrorCode::kInternalError : r.error().code();
  };
  EXPECT_TRUE(read(mine, key_.row.id, "").ok());
  EXPECT_TRUE(read(mine, "", account_).ok());
  EXPECT_EQ(code(read(mine, other_key.row.id, "")), ErrorCode::kNotFound);
  EXPECT_EQ(code(read(mine, "", other)), ErrorCode::kNotFound);
  EXPECT_EQ(code(read(mine, "tok_doesnotexist0000000000", "")), ErrorCode::kNotFound);
  EXPECT_EQ(code(read(Principal::Session(account_), other_key.row.id, "")), ErrorCode::kNotFound);
  // An admin key sees any account and token, but not a token under the wrong account.
  const Principal admin = Principal::Admin("");
  EXPECT_TRUE(read(admin, other_key.row.id, "").ok());
  EXPECT_TRUE(read(admin, "", other).ok());
  EXPECT_EQ(code(read(admin, other_key.row.id, account_)), ErrorCode::kNotFound);
  EXPECT_EQ(code(read(admin, "", "acct_doesnotexist000000000000")), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace keyward
