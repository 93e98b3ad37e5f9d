// GET /v1/usage (API.md 12), in process: counts as clients were answered (through /v1/auth,
// /v1/keys/verify and management calls), visible within 2 s of the request; JSON and CSV; who
// may see what; the status matrix of its parameters.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "route_test.h"
#include "service/services.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

EnvOptions FivePerMinute() {
  EnvOptions o;
  o.service.plans["default"] = RateSpec{5, 60};
  o.service.usage_flush_interval_ms = 100;
  return o;
}

class UsageRoute : public RouteTest {
 protected:
  UsageRoute() : RouteTest(FivePerMinute()) {}
  void SetUp() override { owner_ = NewSecretKey(&account_); }

  int64_t Now() { return env_.clock().NowUnix(); }
  int64_t Minute() { return Now() - Now() % 60; }
  Answer Auth(const std::string& key) {
    return Get("/v1/auth", Join(ApiKey(key), {{"X-Original-URI", "/v1/things"}}));
  }
  // The minute bucket containing now of `query` (e.g. "token=tok_…"), asked as the admin.
  object MinuteBucket(const std::string& query) {
    Answer a = Get("/v1/usage?granularity=minute&from=" + std::to_string(Now()) +
                       "&to=" + std::to_string(Now()) + "&" + query,
                   Admin(admin()));
    EXPECT_TRUE(IsOk(a)) << Describe(a);
    const object body = BodyOf(a);
    const auto& data = body.at("data").as_array();
    EXPECT_EQ(data.size(), 1u) << Describe(a);
    return data.empty() ? object{} : data[0].as_object();
  }
  // Polls MinuteBucket until `field` reaches `want`, for at most 2 s (API.md 12).
  bool Eventually(const std::string& query, const char* field, int64_t want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    do {
      if (MinuteBucket(query).at(field).to_number<int64_t>() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  std::string account_;
  CreatedKey owner_;
};

TEST_F(UsageRoute, EightRequestsAtFivePerMinuteAreFiveValidAndThreeRateLimitedWithin2s) {
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const int status = Auth(owner_.key).status();
    ok += status == 200;
    limited += status == 429;
  }
  ASSERT_EQ(ok, 5);
  ASSERT_EQ(limited, 3);
  const std::string token = "token=" + owner_.id;
  ASSERT_TRUE(Eventually(token, "rate_limited", 3));
  object bucket = MinuteBucket(token);
  EXPECT_EQ(bucket.at("start").to_number<int64_t>(), Minute());
  EXPECT_EQ(bucket.at("valid").to_number<int64_t>(), 5);
  EXPECT_EQ(bucket.at("quota_exceeded").to_number<int64_t>(), 0);
  EXPECT_EQ(bucket.at("forbidden").to_number<int64_t>(), 0);
  EXPECT_EQ(bucket.at("unauthorized").to_number<int64_t>(), 0);
  EXPECT_EQ(bucket.at("credits").to_number<int64_t>(), 0);
  EXPECT_EQ(MinuteBucket("account=" + account_), bucket);
  EXPECT_EQ(MinuteBucket(""), bucket);  // the whole service: nothing else was counted
}

TEST_F(UsageRoute, Get200HasTheExactShapeWithZerosOldestFirst) {
  const int64_t hour = Now() - Now() % 3600;
  Answer a = Get("/v1/usage?from=" + std::to_string(hour - 7200) + "&to=" + std::to_string(hour),
                 AdminFor(admin(), account_));
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(a.response.body, R"({"object":"usage","granularity":"hour","from":)" +
                                 std::to_string(hour - 7200) + R"(,"to":)" + std::to_string(hour) +
                                 R"(,"data":[{"start":)" + std::to_string(hour - 7200) +
                                 R"(,"valid":0,"rate_limited":0,"quota_exceeded":0,"forbidden":0,)"
                                 R"("unauthorized":0,"credits":0},{"start":)" +
                                 std::to_string(hour - 3600) +
                                 R"(,"valid":0,"rate_limited":0,"quota_exceeded":0,"forbidden":0,)"
                                 R"("unauthorized":0,"credits":0}]})");
}

TEST_F(UsageRoute, ManagementCallsAndRefusalsCountOnTheKey) {
  ASSERT_TRUE(IsOk(Get("/v1/tokens", ApiKey(owner_.key))));  // valid
  CreatedKey pk = NewKey(AdminFor(admin(), account_), {{"type", "publishable"}});
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(pk.key)), 403, "FORBIDDEN"));
  CreatedKey gone = NewKey(AdminFor(admin(), account_));
  Revoke(account_, gone.id);
  EXPECT_TRUE(IsError(Auth(gone.key), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(gone.key)), 401, "UNAUTHORIZED"));
  // Not counted: a key nobody issued, the sandbox key.
  EXPECT_TRUE(IsError(Auth(WellFormedKey("sk_live_")), 401, "UNAUTHORIZED"));
  EXPECT_EQ(Auth("sandbox-with-json-responses").status(), 200);
  ASSERT_TRUE(Eventually("token=" + gone.id, "unauthorized", 2));
  ASSERT_TRUE(Eventually("token=" + pk.id, "forbidden", 1));
  ASSERT_TRUE(Eventually("token=" + owner_.id, "valid", 1));
  object all = MinuteBucket("");
  EXPECT_EQ(all.at("valid").to_number<int64_t>(), 1);
  EXPECT_EQ(all.at("forbidden").to_number<int64_t>(), 1);
  EXPECT_EQ(all.at("unauthorized").to_number<int64_t>(), 2);
}

TEST_F(UsageRoute, CsvByAcceptOrFormat) {
  for (int i = 0; i < 2; ++i) ASSERT_EQ(Auth(owner_.key).status(), 200);
  ASSERT_TRUE(Eventually("token=" + owner_.id, "valid", 2));
  const std::string range = "granularity=minute&from=" + std::to_string(Minute() - 60) +
                            "&to=" + std::to_string(Minute() + 60);
  const std::string want =
      "start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits\n" +
      std::to_string(Minute() - 60) + ",0,0,0,0,0,0\n" + std::to_string(Minute()) +
      ",2,0,0,0,0,0\n";
  Answer by_accept =
      Get("/v1/usage?" + range, Join(AdminFor(admin(), account_), {{"Accept", "text/csv"}}));
  ASSERT_EQ(by_accept.status(), 200) << Describe(by_accept);
  EXPECT_EQ(by_accept.response.body, want);
  EXPECT_EQ(by_accept.response.content_type.rfind("text/csv", 0), 0u);
  Answer by_format = Get("/v1/usage?format=csv&" + range, AdminFor(admin(), account_));
  EXPECT_EQ(by_format.response.body, want);
  EXPECT_TRUE(IsError(Get("/v1/usage?format=xml", AdminFor(admin(), account_)), 400,
                      "INVALID_REQUEST", "format"));
}

TEST_F(UsageRoute, AnAccountSeesOnlyItself) {
  std::string other_account;
  CreatedKey other = NewSecretKey(&other_account);
  ASSERT_EQ(Auth(other.key).status(), 200);
  ASSERT_TRUE(Eventually("token=" + other.id, "valid", 1));
  // Its own account's series has none of the other's requests.
  Answer mine = Get(
      "/v1/usage?granularity=minute&from=" + std::to_string(Now()) + "&to=" + std::to_string(Now()),
      ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(mine)) << Describe(mine);
  const object body = BodyOf(mine);
  EXPECT_EQ(body.at("data").as_array()[0].at("valid").to_number<int64_t>(), 0);
  EXPECT_TRUE(IsError(Get("/v1/usage?token=" + other.id, ApiKey(owner_.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(
      IsError(Get("/v1/usage?account=" + other_account, ApiKey(owner_.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Get("/v1/usage?token=tok_000000000000000000000000", ApiKey(owner_.key)), 404,
                      "NOT_FOUND"));
  // An admin key sees either, and a token only under its own account.
  EXPECT_TRUE(IsOk(Get("/v1/usage?token=" + other.id, Admin(admin()))));
  EXPECT_TRUE(IsError(Get("/v1/usage?token=" + other.id + "&account=" + account_, Admin(admin())),
                      404, "NOT_FOUND"));
}

TEST_F(UsageRoute, StatusMatrix) {
  Headers as_admin = AdminFor(admin(), account_);
  EXPECT_TRUE(IsError(Get("/v1/usage"), 401, "UNAUTHORIZED"));
  CreatedKey billing =
      NewKey(as_admin, {{"type", "restricted"}, {"permissions", {"billing:read"}}});
  EXPECT_TRUE(IsOk(Get("/v1/usage", ApiKey(billing.key))));
  CreatedKey tokens_only =
      NewKey(as_admin, {{"type", "restricted"}, {"permissions", {"tokens:read"}}});
  EXPECT_TRUE(IsError(Get("/v1/usage", ApiKey(tokens_only.key)), 403, "FORBIDDEN"));
  CreatedKey pk = NewKey(as_admin, {{"type", "publishable"}});
  EXPECT_TRUE(IsError(Get("/v1/usage", ApiKey(pk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/usage", ApiKey("sandbox-with-json-responses")), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsOk(Get("/v1/usage", Admin(admin()))));
  EXPECT_TRUE(
      IsError(Get("/v1/usage?granularity=week", as_admin), 400, "INVALID_REQUEST", "granularity"));
  EXPECT_TRUE(IsError(Get("/v1/usage?from=yesterday", as_admin), 400, "INVALID_REQUEST", "from"));
  EXPECT_TRUE(IsError(Get("/v1/usage?to=1.5", as_admin), 400, "INVALID_REQUEST", "to"));
  const std::string now = std::to_string(Now());
  EXPECT_TRUE(IsError(Get("/v1/usage?granularity=minute&from=0&to=" + now, as_admin), 400,
                      "INVALID_REQUEST", "from"));
  EXPECT_TRUE(
      IsError(Get("/v1/usage?from=" + now + "&to=0", as_admin), 400, "INVALID_REQUEST", "from"));
  EXPECT_TRUE(IsError(Get("/v1/usage?account=acct_000000000000000000000000", Admin(admin())), 404,
                      "NOT_FOUND"));
  EXPECT_TRUE(IsError(Post("/v1/usage", object{}, as_admin), 405, "METHOD_NOT_ALLOWED"));
}

}  // namespace
}  // namespace keyward::api_test

namespace keyward::api_test {
namespace {

// Runtime control (API.md 11) in usage (API.md 12): a disabled key's refusal is unauthorized, an
// IP allowlist's refusal forbidden.
TEST_F(UsageRoute, DisabledKeysCountAsUnauthorizedAndAllowlistRefusalsAsForbidden) {
  const Headers as_admin = AdminFor(admin(), account_);
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + owner_.id + "/disable", object{}, as_admin)));
  EXPECT_EQ(Auth(owner_.key).status(), 401);
  EXPECT_TRUE(Eventually("token=" + owner_.id, "unauthorized", 1));

  CreatedKey fenced = NewKey(
      as_admin, object{{"name", "fenced"}, {"ip_allowlist", boost::json::array{"192.0.2.0/24"}}});
  EXPECT_EQ(Auth(fenced.key).status(), 403);
  EXPECT_TRUE(Eventually("token=" + fenced.id, "forbidden", 1));
  EXPECT_EQ(MinuteBucket("token=" + fenced.id).at("valid").to_number<int64_t>(), 0);
}

}  // namespace
}  // namespace keyward::api_test
