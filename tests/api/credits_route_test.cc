// GET /v1/credits and the credit check of verification (API.md 4), in process. The integration
// suite (key_types_test.cc, metering_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class CreditsRoute : public RouteTest {
 protected:
  void SetUp() override {
    account_ = NewAccount({{"credits", 100}});
    owner_ = NewKey(AdminFor(admin(), account_));
  }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  std::string account_;
  CreatedKey owner_;
};

TEST_F(CreditsRoute, Get200SecretKeyHasTheExactShape) {
  Answer a = Get("/v1/credits", ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(a.response.body, R"({"object":"credits","balance":100,"used":0,"livemode":true})");
  EXPECT_TRUE(HasRateLimitHeaders(a));
}

TEST_F(CreditsRoute, Get200BalanceIsNullForAnUnlimitedAccount) {
  std::string unlimited = NewAccount();
  Answer a = Get("/v1/credits", AdminFor(admin(), unlimited));
  ASSERT_TRUE(IsOk(a));
  EXPECT_TRUE(BodyOf(a).at("balance").is_null());
}

TEST_F(CreditsRoute, Get200SaysTheCallersMode) {
  CreatedKey test = NewKey(AsAdmin(), {{"livemode", false}});
  Answer a = Get("/v1/credits", ApiKey(test.key));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(BodyOf(a).at("livemode"), false);
}

TEST_F(CreditsRoute, Get200RestrictedWithBillingRead) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"billing:read"}}});
  EXPECT_TRUE(IsOk(Get("/v1/credits", ApiKey(rk.key))));
  CreatedKey wildcard = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"billing:*"}}});
  EXPECT_TRUE(IsOk(Get("/v1/credits", ApiKey(wildcard.key))));
}

TEST_F(CreditsRoute, Get400AdminKeyWithoutOrWithAnUnknownAccount) {
  EXPECT_TRUE(
      IsError(Get("/v1/credits", Admin(admin())), 400, "INVALID_REQUEST", "Keyward-Account"));
  EXPECT_TRUE(IsError(Get("/v1/credits", AdminFor(admin(), "acct_000000000000000000000000")), 400,
                      "INVALID_REQUEST", "Keyward-Account"));
}

TEST_F(CreditsRoute, Get401NoOrUnknownCredential) {
  EXPECT_TRUE(IsError(Get("/v1/credits"), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/credits", ApiKey(WellFormedKey("sk_live_"))), 401, "UNAUTHORIZED"));
}

TEST_F(CreditsRoute, Get403PublishableOrRestrictedWithoutBillingRead) {
  CreatedKey pk = NewKey(AsAdmin(), {{"type", "publishable"}});
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:read"}}});
  EXPECT_TRUE(IsError(Get("/v1/credits", ApiKey(pk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/credits", ApiKey(rk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/credits", ApiKey("sandbox-with-json-responses")), 403, "FORBIDDEN"));
}

TEST_F(CreditsRoute, Post405) {
  Answer a = Post("/v1/credits", object{}, ApiKey(owner_.key));
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "GET");
}

// A protected route that costs one credit: the balance is checked before a request is allowed.
class CreditsChargeRoute : public RouteTest {
 protected:
  static EnvOptions CostOne() {
    EnvOptions o;
    o.service.default_cost = 1;
    return o;
  }
  CreditsChargeRoute() : RouteTest(CostOne()) {}
};

TEST_F(CreditsChargeRoute, Auth403QuotaExceededOnceTheBalanceIsSpent) {
  std::string account = NewAccount({{"credits", 2}});
  CreatedKey sk = NewKey(AdminFor(admin(), account));
  EXPECT_EQ(Get("/v1/auth/v1/things", ApiKey(sk.key)).status(), 200);
  EXPECT_EQ(Get("/v1/auth/v1/things", ApiKey(sk.key)).status(), 200);
  Answer refused = Get("/v1/auth/v1/things", ApiKey(sk.key));
  EXPECT_TRUE(IsError(refused, 403, "QUOTA_EXCEEDED"));
  EXPECT_TRUE(HasRateLimitHeaders(refused));
}

TEST_F(CreditsChargeRoute, Auth200TestModeKeysAreNeverCharged) {
  std::string account = NewAccount({{"credits", 0}});
  CreatedKey live = NewKey(AdminFor(admin(), account));
  CreatedKey test = NewKey(AdminFor(admin(), account), {{"livemode", false}});
  EXPECT_TRUE(IsError(Get("/v1/auth/v1/things", ApiKey(live.key)), 403, "QUOTA_EXCEEDED"));
  EXPECT_EQ(Get("/v1/auth/v1/things", ApiKey(test.key)).status(), 200);
}

}  // namespace
}  // namespace keyward::api_test
