// API.md 7: accounts and admin keys.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

class AccountsTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared(); }
  static void TearDownTestSuite() { StopShared(); }

  int64_t CreditsOf(const std::string& account) {
    Response r = client().Get("/v1/accounts/" + account, Admin(admin()));
    if (r.status != 200) throw std::runtime_error("get account: " + Describe(r));
    return AsInt(r.object().at("credits"));
  }
};

const std::set<std::string> kAccountFields = {"id",          "object",   "email",  "name",
                                              "credits",     "plan",     "created", "metadata",
                                              "overrides",   "status",   "disabled_at"};

TEST_F(AccountsTest, AdminKeyCreatesAccountWithExactShape) {
  std::string email = UniqueEmail();
  int64_t before = Now();
  Response r = client().Post("/v1/accounts", {{"email", email}, {"name", "Acme Parsing"}}, Admin(admin()));
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(Keys(o), kAccountFields) << Describe(r);
  EXPECT_TRUE(Matches(AsString(o.at("id")), "acct_[0-9A-Za-z]{24}")) << Describe(r);
  EXPECT_EQ(o.at("object"), "account");
  EXPECT_EQ(o.at("email"), email.c_str());
  EXPECT_EQ(o.at("name"), "Acme Parsing");
  EXPECT_TRUE(o.at("credits").is_null()) << "credits default to null (unlimited): " << Describe(r);
  EXPECT_EQ(o.at("plan"), "default");
  ASSERT_TRUE(IsInteger(o.at("created"))) << Describe(r);
  EXPECT_GE(AsInt(o.at("created")), before - 5);
  EXPECT_LE(AsInt(o.at("created")), Now() + 5);
  EXPECT_TRUE(r.has_header("X-Request-Id"));
}

TEST_F(AccountsTest, AdminKeyWorksAsBearerToo) {
  Response r = client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"name", "Bearer Co"}}, Bearer(admin()));
  ASSERT_TRUE(IsOk(r));
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts", Bearer(admin()))));
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts/" + AsString(r.object().at("id")), Bearer(admin()))));
}

TEST_F(AccountsTest, HeaderNameIsCaseInsensitive) {
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts", {{"X-API-KEY", admin()}})));
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts", {{"X-Api-Key", admin()}})));
}

TEST_F(AccountsTest, CreateWithCreditsAndPlan) {
  Response r = client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"name", "Metered"}, {"credits", 500}, {"plan", "default"}},
                             Admin(admin()));
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(AsInt(o.at("credits")), 500);
  EXPECT_EQ(o.at("plan"), "default");
  Response n = client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"credits", nullptr}}, Admin(admin()));
  ASSERT_TRUE(IsOk(n));
  EXPECT_TRUE(n.object().at("credits").is_null());
}

TEST_F(AccountsTest, GetReturnsTheCreatedObject) {
  Response c = client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"name", "Get Me"}, {"credits", 3}}, Admin(admin()));
  ASSERT_TRUE(IsOk(c));
  std::string id = AsString(c.object().at("id"));
  Response g = client().Get("/v1/accounts/" + id, Admin(admin()));
  ASSERT_TRUE(IsOk(g));
  EXPECT_EQ(g.object(), c.object());
}

TEST_F(AccountsTest, UnknownAccountIs404) {
  EXPECT_TRUE(IsError(client().Get("/v1/accounts/acct_" + RandomBase62(24), Admin(admin())), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts/acct_" + RandomBase62(24) + "/credits", {{"amount", 1}},
                                    Admin(admin())),
                      404, "NOT_FOUND"));
}

TEST_F(AccountsTest, ListIsNewestFirstWithPagination) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(CreateAccount(client(), admin()));
  Response r = client().Get("/v1/accounts?limit=2", Admin(admin()));
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(Keys(o), (std::set<std::string>{"object", "data", "has_more"})) << Describe(r);
  EXPECT_EQ(o.at("object"), "list");
  const auto& data = o.at("data").as_array();
  ASSERT_EQ(data.size(), 2u) << Describe(r);
  EXPECT_EQ(AsString(data[0].at("id")), ids[2]);
  EXPECT_EQ(AsString(data[1].at("id")), ids[1]);
  EXPECT_EQ(Keys(data[0].as_object()), kAccountFields);
  EXPECT_EQ(o.at("has_more"), true);

  Response next = client().Get("/v1/accounts?limit=1&starting_after=" + ids[1], Admin(admin()));
  ASSERT_TRUE(IsOk(next));
  auto next_obj = next.object();
  const auto& d2 = next_obj.at("data").as_array();
  ASSERT_EQ(d2.size(), 1u) << Describe(next);
  EXPECT_EQ(AsString(d2[0].at("id")), ids[0]);
}

TEST_F(AccountsTest, CreditsAddAndSubtractButNeverBelowZero) {
  std::string id = CreateAccount(client(), admin(), {{"credits", 10}});
  EXPECT_TRUE(IsOk(client().Post("/v1/accounts/" + id + "/credits", {{"amount", 5}}, Admin(admin()))));
  EXPECT_EQ(CreditsOf(id), 15);
  EXPECT_TRUE(IsOk(client().Post("/v1/accounts/" + id + "/credits", {{"amount", -4}}, Admin(admin()))));
  EXPECT_EQ(CreditsOf(id), 11);
  EXPECT_TRUE(IsOk(client().Post("/v1/accounts/" + id + "/credits", {{"amount", -20}}, Admin(admin()))));
  EXPECT_EQ(CreditsOf(id), 0);
  EXPECT_TRUE(IsOk(client().Post("/v1/accounts/" + id + "/credits", {{"amount", 7}}, Admin(admin()))));
  EXPECT_EQ(CreditsOf(id), 7);
}

TEST_F(AccountsTest, CreditsAmountIsValidated) {
  std::string id = CreateAccount(client(), admin(), {{"credits", 10}});
  EXPECT_TRUE(IsError(client().Post("/v1/accounts/" + id + "/credits", boost::json::object{}, Admin(admin())), 400,
                      "INVALID_REQUEST", "amount"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts/" + id + "/credits", {{"amount", "5"}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "amount"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts/" + id + "/credits", {{"amount", 1}, {"extra", 1}}, Admin(admin())),
                      400, "INVALID_REQUEST", "extra"));
  EXPECT_EQ(CreditsOf(id), 10);
}

TEST_F(AccountsTest, SecretKeyOnAccountEndpointsIs403) {
  std::string id = CreateAccount(client(), admin(), {{"credits", 10}});
  CreatedKey sk = CreateKey(client(), AdminFor(admin(), id));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts", ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts/" + id, ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", UniqueEmail()}}, ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts/" + id + "/credits", {{"amount", 100}}, Bearer(sk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_EQ(CreditsOf(id), 10);
}

TEST_F(AccountsTest, OtherKeyTypesOnAccountEndpointsAre403) {
  std::string id = CreateAccount(client(), admin());
  CreatedKey pk = CreateKey(client(), AdminFor(admin(), id), {{"type", "publishable"}});
  CreatedKey rk = CreateKey(client(), AdminFor(admin(), id),
                            {{"type", "restricted"}, {"permissions", boost::json::array{"*"}}});
  CreatedKey tk = CreateKey(client(), AdminFor(admin(), id), {{"livemode", false}});
  for (const auto* k : {&pk, &rk, &tk}) {
    EXPECT_TRUE(IsError(client().Get("/v1/accounts", ApiKey(k->key)), 403, "FORBIDDEN")) << k->key.substr(0, 8);
    EXPECT_TRUE(IsError(client().Get("/v1/accounts/" + id, ApiKey(k->key)), 403, "FORBIDDEN"));
  }
}

TEST_F(AccountsTest, NoCredentialIs401) {
  Response r = client().Get("/v1/accounts");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), "Bearer realm=\"keyward\"");
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", UniqueEmail()}}), 401, "UNAUTHORIZED"));
}

TEST_F(AccountsTest, UnknownAdminKeyIs401) {
  std::string forged = MakeWellFormedKey("ak_");
  Response r = client().Get("/v1/accounts", Admin(forged));
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), "Bearer realm=\"keyward\", error=\"invalid_token\"");
  EXPECT_TRUE(IsError(client().Get("/v1/accounts", Admin(FlipChar(admin(), 5))), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(client().Get("/v1/accounts", Admin("ak_garbage")), 401, "UNAUTHORIZED"));
}

TEST_F(AccountsTest, AccountValidation) {
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", 12}}, Admin(admin())), 400, "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"name", 3}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(client().Post("/v1/accounts", {{"email", UniqueEmail()}, {"credits", 1.5}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "credits"));
}

}  // namespace
}  // namespace keyward_it
