// Runtime control of accounts (API.md 11.3, 11.5), in process: POST /v1/accounts/:id (name,
// email, plan, metadata, limit overrides), disable/enable and what a disable does to keys, access
// tokens and sessions, the list filters, and the per-account limit.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

EnvOptions WithPlans() {
  EnvOptions o;
  o.service.plans["pro"] = RateSpec{1000, 60};
  return o;
}

class AccountControlRoute : public RouteTest {
 protected:
  AccountControlRoute() : RouteTest(WithPlans()) {}
  void SetUp() override { owner_ = NewSecretKey(&account_); }
  Answer Update(const std::string& id, const object& body) {
    return Post("/v1/accounts/" + id, body, Admin(admin()));
  }
  object Account(const std::string& id) {
    Answer a = Get("/v1/accounts/" + id, Admin(admin()));
    if (a.status() != 200) throw std::runtime_error("Account: " + Describe(a));
    return BodyOf(a);
  }
  std::string account_;
  CreatedKey owner_;
};

TEST_F(AccountControlRoute, TheAccountObjectHasTheNewFields) {
  object a = Account(account_);
  EXPECT_EQ(a.at("metadata"), object{});
  EXPECT_EQ(a.at("overrides"), (object{{"rate_limit", nullptr}, {"account_rate_limit", nullptr}}));
  EXPECT_EQ(a.at("status"), "active");
  EXPECT_TRUE(a.at("disabled_at").is_null());
}

TEST_F(AccountControlRoute, Update200ChangesWhatIsGivenOnly) {
  Answer a = Update(account_, object{{"name", "Acme"},
                                     {"email", "billing@acme.example"},
                                     {"plan", "pro"},
                                     {"metadata", object{{"crm", "42"}}},
                                     {"rate_limit", "5/s"},
                                     {"account_rate_limit", "300/minute"}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object o = BodyOf(a);
  EXPECT_EQ(o.at("name"), "Acme");
  EXPECT_EQ(o.at("email"), "billing@acme.example");
  EXPECT_EQ(o.at("plan"), "pro");
  EXPECT_EQ(o.at("metadata"), (object{{"crm", "42"}}));
  EXPECT_EQ(o.at("overrides"), (object{{"rate_limit", "5/s"}, {"account_rate_limit", "300/min"}}));
  EXPECT_FALSE(o.contains("rate_limit"));
  EXPECT_EQ(Account(account_), o);
  ASSERT_TRUE(IsOk(Update(account_, object{{"rate_limit", nullptr}})));
  object after = Account(account_);
  EXPECT_TRUE(after.at("overrides").at("rate_limit").is_null());
  EXPECT_EQ(after.at("overrides").at("account_rate_limit"), "300/min");
  EXPECT_EQ(after.at("name"), "Acme");
}

TEST_F(AccountControlRoute, Update400BadInputChangesNothing) {
  NewAccount(object{{"email", "taken@example.com"}});
  const object before = Account(account_);
  EXPECT_TRUE(IsError(Update(account_, object{{"plan", "nope"}}), 400, "INVALID_REQUEST", "plan"));
  EXPECT_TRUE(
      IsError(Update(account_, object{{"email", "no-at"}}), 400, "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(Update(account_, object{{"email", "TAKEN@example.com"}}), 400,
                      "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(Update(account_, object{{"rate_limit", "fast"}}), 400, "INVALID_REQUEST",
                      "rate_limit"));
  EXPECT_TRUE(IsError(Update(account_, object{{"account_rate_limit", 5}}), 400, "INVALID_REQUEST",
                      "account_rate_limit"));
  EXPECT_TRUE(IsError(Update(account_, object{{"metadata", object{{"k", 1}}}}), 400,
                      "INVALID_REQUEST", "metadata"));
  EXPECT_TRUE(IsError(Update(account_, object{{"credits", 5}}), 400, "INVALID_REQUEST", "credits"));
  EXPECT_EQ(Account(account_), before);
  EXPECT_TRUE(IsError(Update("acct_nope", object{{"name", "x"}}), 404, "NOT_FOUND"));
}

TEST_F(AccountControlRoute, OnlyAdminKeysUpdateOrDisableAccounts) {
  EXPECT_TRUE(IsError(Post("/v1/accounts/" + account_, object{{"name", "x"}}, ApiKey(owner_.key)),
                      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/accounts/" + account_ + "/disable", object{}, ApiKey(owner_.key)),
                      403, "FORBIDDEN"));
}

TEST_F(AccountControlRoute, DisableRefusesEveryKeyAndAccessTokenAndEndsSessions) {
  Answer minted = Post("/v1/token", object{{"expiry_minutes", 5}}, ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(minted));
  const std::string at(BodyOf(minted).at("access_token").as_string());
  CreatedKey other = NewKey(AdminFor(admin(), account_));
  ASSERT_TRUE(
      IsOk(Post("/v1/tokens/" + other.id + "/disable", object{}, AdminFor(admin(), account_))));
  // A session of the account.
  std::string with_login =
      NewAccount(object{{"email", "person@example.com"}, {"password", "password123"}});
  Answer signed_in =
      Post("/v1/session", object{{"email", "person@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(signed_in));
  const std::string cookie = HeaderOf(signed_in, "Set-Cookie").value_or("");
  const Headers session{{"Cookie", cookie.substr(0, cookie.find(';'))}};
  ASSERT_EQ(Get("/v1/session", session).status(), 200);

  Answer off = Post("/v1/accounts/" + account_ + "/disable", object{}, Admin(admin()));
  ASSERT_TRUE(IsOk(off)) << Describe(off);
  EXPECT_EQ(BodyOf(off).at("status"), "disabled");
  EXPECT_EQ(BodyOf(off).at("disabled_at").as_int64(), env_.clock().NowUnix());
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + with_login + "/disable", object{}, Admin(admin()))));

  for (const std::string& cred : {owner_.key, other.key, at}) {
    Answer a = Get("/v1/auth/x", ApiKey(cred));
    ASSERT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
    // The account's message wins over the key's own.
    EXPECT_EQ(BodyOf(a).at("error").at("message"), "The account is disabled.");
  }
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(owner_.key)), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/session", session), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(
      Post("/v1/session", object{{"email", "person@example.com"}, {"password", "password123"}}),
      401, "UNAUTHORIZED"));

  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + account_ + "/enable", object{}, Admin(admin()))));
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + with_login + "/enable", object{}, Admin(admin()))));
  EXPECT_EQ(Get("/v1/auth/x", ApiKey(owner_.key)).status(), 200);
  EXPECT_EQ(Get("/v1/auth/x", ApiKey(at)).status(), 200);
  Answer still_off = Get("/v1/auth/x", ApiKey(other.key));
  EXPECT_EQ(BodyOf(still_off).at("error").at("message"), "The API key is disabled.");
  // Sessions ended by the disable stay ended.
  EXPECT_TRUE(IsError(Get("/v1/session", session), 401, "UNAUTHORIZED"));
  EXPECT_EQ(Account(account_).at("status"), "active");
}

TEST_F(AccountControlRoute, ListFiltersByEmailPlanAndStatus) {
  std::string pro = NewAccount(object{{"email", "Pro@Example.com"}, {"plan", "pro"}});
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + pro + "/disable", object{}, Admin(admin()))));
  auto ids = [&](const std::string& query) {
    Answer a = Get("/v1/accounts?limit=100&" + query, Admin(admin()));
    EXPECT_TRUE(IsOk(a)) << Describe(a);
    std::vector<std::string> out;
    const object body = BodyOf(a);
    for (const auto& v : body.at("data").as_array()) out.push_back(Str(v.at("id")));
    return out;
  };
  EXPECT_EQ(ids("email=pro%40example.com"), std::vector<std::string>{pro});
  EXPECT_EQ(ids("plan=pro"), std::vector<std::string>{pro});
  EXPECT_EQ(ids("status=disabled"), std::vector<std::string>{pro});
  EXPECT_EQ(ids("status=active"), std::vector<std::string>{account_});
  EXPECT_TRUE(ids("plan=pro&status=active").empty());
  EXPECT_TRUE(
      IsError(Get("/v1/accounts?status=gone", Admin(admin())), 400, "INVALID_REQUEST", "status"));
}

TEST_F(AccountControlRoute, OverridesAndTheAccountLimitApplyAtOnce) {
  ASSERT_TRUE(
      IsOk(Update(account_, object{{"rate_limit", "100/min"}, {"account_rate_limit", "3/min"}})));
  CreatedKey second = NewKey(AdminFor(admin(), account_));
  // Three requests over two keys use up the shared budget.
  EXPECT_EQ(Get("/v1/auth/x", ApiKey(owner_.key)).status(), 200);
  EXPECT_EQ(Get("/v1/auth/x", ApiKey(second.key)).status(), 200);
  Answer third = Get("/v1/auth/x", ApiKey(owner_.key));
  ASSERT_EQ(third.status(), 200);
  EXPECT_EQ(HeaderOf(third, "RateLimit-Policy").value_or(""), "\"per-account\";q=3;w=60");
  Answer refused = Get("/v1/auth/x", ApiKey(second.key));
  EXPECT_TRUE(IsError(refused, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(refused, "Retry-After").has_value());
  // Another account is not affected.
  CreatedKey stranger = NewSecretKey();
  EXPECT_EQ(Get("/v1/auth/x", ApiKey(stranger.key)).status(), 200);
  // Lifting the override applies at once.
  ASSERT_TRUE(IsOk(Update(account_, object{{"account_rate_limit", nullptr}})));
  Answer lifted = Get("/v1/auth/x", ApiKey(second.key));
  EXPECT_EQ(lifted.status(), 200);
  EXPECT_EQ(HeaderOf(lifted, "X-RateLimit-Limit").value_or(""), "100");
}

}  // namespace
}  // namespace keyward::api_test
