// Operators (API.md 16), in process: the set-up link (POST /v1/operators/setup), operators signing
// in like customers, the credential matrix of an operator's session (an admin's rights; CSRF on
// writes; an account only with Keyward-Account; no customer-only action), the console's account
// list, and isolation: a customer's session, or key, never reaches console data.
#include <gtest/gtest.h>

#include "route_test.h"
#include "service/operator_service.h"
#include "service/services.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

struct Session {
  std::string secret;
  std::string csrf;
  object body;
};

EnvOptions WithProPlan() {
  EnvOptions o;
  o.service.plans.emplace("pro", RateSpec{1000, 60});
  return o;
}

class OperatorsRoute : public RouteTest {
 protected:
  OperatorsRoute() : RouteTest(WithProPlan()) {}

  // `keyward operators create --email E`: the token of the set-up link.
  std::string Invite(const std::string& email) {
    auto invite = env_.services().operators().Invite(email);
    if (!invite.ok()) throw std::runtime_error("invite: " + invite.error().message());
    return invite->token;
  }

  static Session FromAnswer(const Answer& a) {
    if (a.status() != 200) throw std::runtime_error("no session: " + Describe(a));
    const std::string cookie = HeaderOf(a, "Set-Cookie").value_or("");
    const std::string prefix = "keyward_session=";
    if (!cookie.starts_with(prefix)) throw std::runtime_error("no session cookie: " + Describe(a));
    object o = BodyOf(a);
    return Session{cookie.substr(prefix.size(), cookie.find(';') - prefix.size()),
                   std::string(o.at("csrf_token").as_string()), o};
  }

  Session SetUpOperator(const std::string& email = "ops@example.com",
                        const std::string& password = "operator-pass") {
    return FromAnswer(
        Post("/v1/operators/setup", object{{"token", Invite(email)}, {"password", password}}));
  }

  Session SignUpCustomer(const std::string& email) {
    return FromAnswer(Post("/v1/signup", object{{"email", email}, {"password", "password123"}}));
  }

  static Headers Cookie(const Session& s) { return {{"Cookie", "keyward_session=" + s.secret}}; }
  static Headers CookieCsrf(const Session& s) {
    return {{"Cookie", "keyward_session=" + s.secret}, {"X-CSRF-Token", s.csrf}};
  }
  static Headers For(Headers h, const std::string& account) {
    h.emplace_back("Keyward-Account", account);
    return h;
  }
};

// --- the set-up link ---

TEST_F(OperatorsRoute, Setup200SignsInAnOperatorsSession) {
  Answer a = Post("/v1/operators/setup",
                  object{{"token", Invite("Ops@Example.com")}, {"password", "operator-pass"}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  const std::string cookie = HeaderOf(a, "Set-Cookie").value_or("");
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(HeaderOf(a, "Cache-Control"), "no-store");
  object o = BodyOf(a);
  EXPECT_EQ(o.at("object"), "session");
  EXPECT_EQ(o.at("kind"), "operator");
  EXPECT_TRUE(o.at("operator").as_string().starts_with("op_"));
  EXPECT_TRUE(o.at("account").is_null());
  EXPECT_EQ(o.at("email"), "ops@example.com");  // stored folded

  Session s = FromAnswer(a);
  Answer who = Get("/v1/session", Cookie(s));
  ASSERT_TRUE(IsOk(who)) << Describe(who);
  EXPECT_EQ(BodyOf(who).at("kind"), "operator");
  EXPECT_EQ(BodyOf(who).at("operator"), o.at("operator"));
  EXPECT_EQ(BodyOf(who).at("csrf_token"), o.at("csrf_token"));
}

TEST_F(OperatorsRoute, Setup401TheLinkWorksOnce) {
  const std::string token = Invite("ops@example.com");
  ASSERT_TRUE(
      IsOk(Post("/v1/operators/setup", object{{"token", token}, {"password", "first-pass"}})));
  Answer again = Post("/v1/operators/setup", object{{"token", token}, {"password", "second-pass"}});
  EXPECT_TRUE(IsError(again, 401, "UNAUTHORIZED")) << Describe(again);
  EXPECT_FALSE(HeaderOf(again, "Set-Cookie").has_value());
  // The first password stands.
  EXPECT_TRUE(
      IsOk(Post("/v1/session", object{{"email", "ops@example.com"}, {"password", "first-pass"}})));
  EXPECT_TRUE(IsError(
      Post("/v1/session", object{{"email", "ops@example.com"}, {"password", "second-pass"}}), 401,
      "UNAUTHORIZED"));
}

TEST_F(OperatorsRoute, Setup401AfterTwentyFourHours) {
  const std::string token = Invite("ops@example.com");
  env_.clock().AdvanceSeconds(OperatorService::kSetupSeconds);
  Answer a = Post("/v1/operators/setup", object{{"token", token}, {"password", "operator-pass"}});
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED")) << Describe(a);
}

TEST_F(OperatorsRoute, Setup401ANewLinkReplacesTheOld) {
  const std::string first = Invite("ops@example.com");
  const std::string second = Invite("ops@example.com");
  EXPECT_TRUE(
      IsError(Post("/v1/operators/setup", object{{"token", first}, {"password", "operator-pass"}}),
              401, "UNAUTHORIZED"));
  EXPECT_TRUE(
      IsOk(Post("/v1/operators/setup", object{{"token", second}, {"password", "operator-pass"}})));
}

TEST_F(OperatorsRoute, Setup400BadInputChangesNothing) {
  const std::string token = Invite("ops@example.com");
  EXPECT_TRUE(IsError(Post("/v1/operators/setup", object{{"password", "operator-pass"}}), 400,
                      "INVALID_REQUEST", "token"));
  EXPECT_TRUE(IsError(Post("/v1/operators/setup", object{{"token", token}}), 400, "INVALID_REQUEST",
                      "password"));
  EXPECT_TRUE(IsError(Post("/v1/operators/setup", object{{"token", token}, {"password", "short"}}),
                      400, "INVALID_REQUEST", "password"));
  EXPECT_TRUE(
      IsError(Post("/v1/operators/setup", object{{"token", "nope"}, {"password", "operator-pass"}}),
              400, "INVALID_REQUEST", "token"));
  EXPECT_TRUE(
      IsError(Post("/v1/operators/setup",
                   object{{"token", token}, {"password", "operator-pass"}, {"admin", true}}),
              400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(PostRaw("/v1/operators/setup", "{"), 400, "INVALID_REQUEST"));
  // None of that spent the link.
  EXPECT_TRUE(
      IsOk(Post("/v1/operators/setup", object{{"token", token}, {"password", "operator-pass"}})));
}

// --- signing in like customers ---

TEST_F(OperatorsRoute, SignIn200AsOperatorAndTheSameRefusalForAWrongPassword) {
  SetUpOperator("ops@example.com", "operator-pass");
  Answer a =
      Post("/v1/session", object{{"email", "OPS@example.com"}, {"password", "operator-pass"}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(BodyOf(a).at("kind"), "operator");
  Answer wrong =
      Post("/v1/session", object{{"email", "ops@example.com"}, {"password", "nope-nope"}});
  Answer unknown =
      Post("/v1/session", object{{"email", "nobody@example.com"}, {"password", "nope-nope"}});
  ASSERT_TRUE(IsError(wrong, 401, "UNAUTHORIZED"));
  ASSERT_TRUE(IsError(unknown, 401, "UNAUTHORIZED"));
  EXPECT_EQ(BodyOf(wrong).at("error").at("message"), BodyOf(unknown).at("error").at("message"));
}

TEST_F(OperatorsRoute, SignIn200ACustomerWithTheOperatorsEmailStaysACustomer) {
  SetUpOperator("both@example.com", "operator-pass");
  Session customer = SignUpCustomer("both@example.com");
  EXPECT_EQ(customer.body.at("kind"), "account");
  Answer a =
      Post("/v1/session", object{{"email", "both@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(BodyOf(a).at("kind"), "account");
  Answer op =
      Post("/v1/session", object{{"email", "both@example.com"}, {"password", "operator-pass"}});
  ASSERT_TRUE(IsOk(op)) << Describe(op);
  EXPECT_EQ(BodyOf(op).at("kind"), "operator");
}

TEST_F(OperatorsRoute, SignOut200EndsTheOperatorsSession) {
  Session s = SetUpOperator();
  EXPECT_TRUE(IsError(Delete("/v1/session", Cookie(s)), 403, "FORBIDDEN"));  // no CSRF token
  ASSERT_TRUE(IsOk(Delete("/v1/session", CookieCsrf(s))));
  EXPECT_TRUE(IsError(Get("/v1/session", Cookie(s)), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/accounts", Cookie(s)), 401, "UNAUTHORIZED"));
}

// --- what an operator's session may do: an admin's rights ---

TEST_F(OperatorsRoute, OperatorReadsAccountsAndWritesOnlyWithCsrf) {
  Session s = SetUpOperator();
  const std::string account = NewAccount(object{{"credits", 10}});
  EXPECT_TRUE(IsOk(Get("/v1/accounts", Cookie(s))));
  EXPECT_TRUE(IsOk(Get("/v1/accounts/" + account, Cookie(s))));

  Answer no_csrf = Post("/v1/accounts/" + account + "/credits", object{{"amount", 5}}, Cookie(s));
  EXPECT_TRUE(IsError(no_csrf, 403, "FORBIDDEN")) << Describe(no_csrf);
  Headers wrong = {{"Cookie", "keyward_session=" + s.secret}, {"X-CSRF-Token", "0000"}};
  EXPECT_TRUE(IsError(Post("/v1/accounts/" + account + "/credits", object{{"amount", 5}}, wrong),
                      403, "FORBIDDEN"));
  EXPECT_EQ(BodyOf(Get("/v1/accounts/" + account, Cookie(s))).at("credits").as_int64(), 10);

  Answer topped =
      Post("/v1/accounts/" + account + "/credits", object{{"amount", 5}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(topped)) << Describe(topped);
  EXPECT_EQ(BodyOf(topped).at("credits").as_int64(), 15);
  Answer created =
      Post("/v1/accounts", object{{"email", "made-by-ops@example.com"}}, CookieCsrf(s));
  EXPECT_TRUE(IsOk(created)) << Describe(created);
}

TEST_F(OperatorsRoute, OperatorActsOnAnAccountsKeysOnlyByNamingIt) {
  Session s = SetUpOperator();
  std::string account;
  CreatedKey key = NewSecretKey(&account);
  ASSERT_EQ(Get("/v1/auth", ApiKey(key.key)).status(), 200);

  // Without Keyward-Account an operator is no customer: refused as an admin key is.
  Answer bare = Get("/v1/tokens", Cookie(s));
  Answer admin_bare = Get("/v1/tokens", Admin(admin()));
  EXPECT_EQ(bare.status(), admin_bare.status()) << Describe(bare);
  EXPECT_TRUE(IsError(bare, 400, "INVALID_REQUEST", "Keyward-Account")) << Describe(bare);

  Answer list = Get("/v1/tokens", For(Cookie(s), account));
  ASSERT_TRUE(IsOk(list)) << Describe(list);
  EXPECT_EQ(BodyOf(list).at("data").as_array().size(), 1u);

  Answer revoke_no_csrf =
      Post("/v1/tokens/" + key.id + "/revoke", object{}, For(Cookie(s), account));
  EXPECT_TRUE(IsError(revoke_no_csrf, 403, "FORBIDDEN"));
  ASSERT_EQ(Get("/v1/auth", ApiKey(key.key)).status(), 200);
  Answer revoked = Post("/v1/tokens/" + key.id + "/revoke", object{}, For(CookieCsrf(s), account));
  ASSERT_TRUE(IsOk(revoked)) << Describe(revoked);
  EXPECT_EQ(BodyOf(revoked).at("status"), "revoked");
  EXPECT_TRUE(IsError(Get("/v1/auth", ApiKey(key.key)), 401, "UNAUTHORIZED"));
}

TEST_F(OperatorsRoute, OperatorIsRefusedACustomersOwnActions) {
  Session s = SetUpOperator();
  Answer a =
      Post("/v1/agent-auth/approve",
           object{{"token", std::string(64, 'a')}, {"decision", "approve"}, {"client_name", "x"}},
           CookieCsrf(s));
  EXPECT_TRUE(IsError(a, 403, "FORBIDDEN")) << Describe(a);
}

// --- the console's account list ---

TEST_F(OperatorsRoute, ConsoleAccounts200WithKeysAndSearch) {
  Session s = SetUpOperator();
  const std::string ada = NewAccount(object{{"email", "ada@example.com"}, {"plan", "pro"}});
  const std::string bob = NewAccount(object{{"email", "bob@example.com"}});
  NewKey(AdminFor(admin(), ada));
  NewKey(AdminFor(admin(), ada));

  Answer all = Get("/v1/console/accounts", Cookie(s));
  ASSERT_TRUE(IsOk(all)) << Describe(all);
  const object listed = BodyOf(all);
  const auto& data = listed.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("object"), "account_summary");
  EXPECT_EQ(Str(data[0].at("account").at("id")), bob);
  EXPECT_EQ(Str(data[1].at("account").at("id")), ada);
  EXPECT_EQ(data[1].at("keys").as_int64(), 2);
  EXPECT_TRUE(data[1].at("last_used_at").is_null());
  EXPECT_EQ(listed.at("has_more"), false);

  Answer found = Get("/v1/console/accounts?email=ADA", Cookie(s));
  ASSERT_TRUE(IsOk(found));
  ASSERT_EQ(BodyOf(found).at("data").as_array().size(), 1u);
  EXPECT_EQ(Str(BodyOf(found).at("data").as_array()[0].at("account").at("id")), ada);
  Answer plan = Get("/v1/console/accounts?plan=default", Cookie(s));
  ASSERT_TRUE(IsOk(plan));
  ASSERT_EQ(BodyOf(plan).at("data").as_array().size(), 1u);
  EXPECT_EQ(Str(BodyOf(plan).at("data").as_array()[0].at("account").at("id")), bob);

  EXPECT_TRUE(IsOk(Get("/v1/console/accounts", Admin(admin()))));  // admin keys too
  EXPECT_TRUE(
      IsError(Get("/v1/console/accounts?limit=0", Cookie(s)), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(Get("/v1/console/accounts?email=" + std::string(255, 'a'), Cookie(s)), 400,
                      "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(Get("/v1/console/accounts?starting_after=acct_nope", Cookie(s)), 400,
                      "INVALID_REQUEST", "starting_after"));
}

// --- isolation: customers never reach console data ---

TEST_F(OperatorsRoute, CustomersNeverReachConsoleData) {
  Session customer = SignUpCustomer("customer@example.com");
  CreatedKey key = NewSecretKey();
  for (const char* path : {"/v1/console/accounts", "/v1/accounts"}) {
    EXPECT_TRUE(IsError(Get(path, Cookie(customer)), 403, "FORBIDDEN")) << path;
    EXPECT_TRUE(IsError(Get(path, ApiKey(key.key)), 403, "FORBIDDEN")) << path;
    EXPECT_TRUE(IsError(Get(path), 401, "UNAUTHORIZED")) << path;
  }
  // A customer cannot reach another account by naming it either.
  const std::string other = NewAccount();
  EXPECT_TRUE(IsError(Get("/v1/tokens", For(Cookie(customer), other)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(
      Post("/v1/accounts/" + other + "/credits", object{{"amount", 5}}, CookieCsrf(customer)), 403,
      "FORBIDDEN"));
  EXPECT_EQ(BodyOf(Get("/v1/session", Cookie(customer))).at("kind"), "account");
}

}  // namespace
}  // namespace keyward::api_test
