// Dashboard sign-up and sessions (API.md 8): /v1/signup and /v1/session, and a session cookie on
// the management endpoints, in process. The integration suite (dashboard_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

struct SignedUp {
  std::string secret;
  std::string csrf;
  std::string account;
  Answer answer;
};

class SessionsRoute : public RouteTest {
 protected:
  explicit SessionsRoute(EnvOptions o = {}) : RouteTest(std::move(o)) {}

  SignedUp SignUp(const std::string& email, const std::string& password = "password123") {
    Answer a = Post("/v1/signup", object{{"email", email}, {"password", password}});
    if (a.status() != 200) throw std::runtime_error("signup: " + Describe(a));
    const std::string cookie = HeaderOf(a, "Set-Cookie").value_or("");
    const std::string prefix = "keyward_session=";
    if (!cookie.starts_with(prefix)) throw std::runtime_error("no session cookie: " + Describe(a));
    object o = BodyOf(a);
    return SignedUp{cookie.substr(prefix.size(), cookie.find(';') - prefix.size()),
                    std::string(o.at("csrf_token").as_string()),
                    std::string(o.at("account").as_string()), a};
  }
  static Headers Cookie(const SignedUp& s) { return {{"Cookie", "keyward_session=" + s.secret}}; }
  static Headers CookieCsrf(const SignedUp& s) {
    return {{"Cookie", "keyward_session=" + s.secret}, {"X-CSRF-Token", s.csrf}};
  }
};

TEST_F(SessionsRoute, SignUp200SetsAStrictHttpOnlyCookie) {
  SignedUp s = SignUp("new@example.com");
  const std::string cookie = *HeaderOf(s.answer, "Set-Cookie");
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: " << cookie;
  EXPECT_EQ(HeaderOf(s.answer, "Cache-Control"), "no-store");
  object o = BodyOf(s.answer);
  EXPECT_EQ(o.at("object"), "session");
  EXPECT_EQ(o.at("email"), "new@example.com");
  EXPECT_TRUE(o.at("account").as_string().starts_with("acct_"));
  EXPECT_EQ(o.at("expires_at").as_int64(), env_.clock().NowUnix() + 7 * 86400);
}

TEST_F(SessionsRoute, SignUp200UnderTlsTheCookieIsSecure) {
  Request r;
  r.method = "POST";
  r.target = "/v1/signup";
  r.body = R"({"email":"tls@example.com","password":"password123"})";
  r.tls = true;
  Answer a = env_.Call(r);
  ASSERT_TRUE(IsOk(a));
  EXPECT_NE(HeaderOf(a, "Set-Cookie").value_or("").find("; Secure"), std::string::npos);
}

TEST_F(SessionsRoute, SignIn200StartsANewSession) {
  SignedUp first = SignUp("in@example.com", "the password");
  Answer a = Post("/v1/session", object{{"email", "in@example.com"}, {"password", "the password"}});
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(Str(BodyOf(a).at("account")), first.account);
  EXPECT_NE(HeaderOf(a, "Set-Cookie"), HeaderOf(first.answer, "Set-Cookie"));
}

TEST_F(SessionsRoute, GetSession200WithTheCookie) {
  SignedUp s = SignUp("who@example.com");
  Answer a = Get("/v1/session", Cookie(s));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(Str(BodyOf(a).at("account")), s.account);
  EXPECT_EQ(Str(BodyOf(a).at("csrf_token")), s.csrf);
}

TEST_F(SessionsRoute, Tokens200ReadsNeedNoCsrfWritesDo) {
  SignedUp s = SignUp("rw@example.com");
  EXPECT_TRUE(IsOk(Get("/v1/tokens", Cookie(s))));
  EXPECT_TRUE(IsOk(Get("/v1/credits", Cookie(s))));
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}}, Cookie(s)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(
      Post("/v1/tokens", object{{"name", "x"}}, Join(Cookie(s), {{"X-CSRF-Token", "nope"}})), 403,
      "FORBIDDEN"));
  SignedUp other = SignUp("other@example.com");
  EXPECT_TRUE(IsError(
      Post("/v1/tokens", object{{"name", "x"}}, Join(Cookie(s), {{"X-CSRF-Token", other.csrf}})),
      403, "FORBIDDEN"));
  EXPECT_EQ(BodyOf(Get("/v1/tokens", Cookie(s))).at("data").as_array().size(), 0u);
  EXPECT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "from the dashboard"}}, CookieCsrf(s))));
}

TEST_F(SessionsRoute, Mint200SessionNamesTheParentKey) {
  SignedUp s = SignUp("mint@example.com");
  Answer created = Post("/v1/tokens", object{{"name", "backend"}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(created));
  const std::string id(BodyOf(created).at("id").as_string());
  EXPECT_TRUE(IsError(Post("/v1/token", object{{"expiry_minutes", 5}}, CookieCsrf(s)), 400,
                      "INVALID_REQUEST", "parent"));
  Answer minted = Post("/v1/token", object{{"expiry_minutes", 5}, {"parent", id}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(minted));
  EXPECT_TRUE(BodyOf(minted).at("access_token").as_string().starts_with("at_"));
}

TEST_F(SessionsRoute, DeleteSession200NeedsTheCsrfTokenAndEndsTheSession) {
  SignedUp s = SignUp("out@example.com");
  EXPECT_TRUE(IsError(Delete("/v1/session", Cookie(s)), 403, "FORBIDDEN"));
  Answer a = Delete("/v1/session", CookieCsrf(s));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(a.response.body, R"({"object":"session","deleted":true})");
  EXPECT_NE(HeaderOf(a, "Set-Cookie").value_or("").find("Max-Age=0"), std::string::npos)
      << Describe(a);
  EXPECT_TRUE(IsError(Get("/v1/session", Cookie(s)), 401, "UNAUTHORIZED"));
}

TEST_F(SessionsRoute, SignUp400EachInvalidFieldIsNamed) {
  EXPECT_TRUE(IsError(Post("/v1/signup", object{{"email", "a@example.com"}, {"password", "short"}}),
                      400, "INVALID_REQUEST", "password"));
  EXPECT_TRUE(
      IsError(Post("/v1/signup", object{{"email", "not an email"}, {"password", "long enough"}}),
              400, "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(Post("/v1/signup", object{{"email", "a@example.com"}}), 400,
                      "INVALID_REQUEST", "password"));
  EXPECT_TRUE(IsError(Post("/v1/signup", object{{"password", "long enough"}}), 400,
                      "INVALID_REQUEST", "email"));
  EXPECT_TRUE(
      IsError(Post("/v1/signup",
                   object{{"email", "a@example.com"}, {"password", "long enough"}, {"plan", "x"}}),
              400, "INVALID_REQUEST", "plan"));
  EXPECT_TRUE(IsError(PostRaw("/v1/signup", "{"), 400, "INVALID_REQUEST"));
  SignUp("taken@example.com");
  EXPECT_TRUE(IsError(
      Post("/v1/signup", object{{"email", "taken@example.com"}, {"password", "long enough"}}), 400,
      "INVALID_REQUEST", "email"));
}

TEST_F(SessionsRoute, SignIn400MissingPassword) {
  EXPECT_TRUE(IsError(Post("/v1/session", object{{"email", "a@example.com"}}), 400,
                      "INVALID_REQUEST", "password"));
  EXPECT_TRUE(IsError(
      Post("/v1/session", object{{"email", "a@example.com"}, {"password", "p"}, {"name", "n"}}),
      400, "INVALID_REQUEST", "name"));
}

TEST_F(SessionsRoute, SignIn401EveryFailureLooksTheSame) {
  SignUp("same@example.com", "the right password");
  Answer wrong =
      Post("/v1/session", object{{"email", "same@example.com"}, {"password", "wrong one"}});
  Answer unknown = Post(
      "/v1/session", object{{"email", "nobody@example.com"}, {"password", "the right password"}});
  NewAccount({{"email", "nopw@example.com"}});
  Answer no_password =
      Post("/v1/session", object{{"email", "nopw@example.com"}, {"password", "anything goes"}});
  for (const Answer* a : {&wrong, &unknown, &no_password}) {
    ASSERT_TRUE(IsError(*a, 401, "UNAUTHORIZED"));
    EXPECT_EQ(BodyOf(*a).at("error").at("message"), BodyOf(wrong).at("error").at("message"));
    EXPECT_FALSE(HeaderOf(*a, "Set-Cookie").has_value());
  }
}

TEST_F(SessionsRoute, GetSession401WithoutGarbageOrExpiredCookie) {
  EXPECT_TRUE(IsError(Get("/v1/session"), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(
      IsError(Get("/v1/session", {{"Cookie", "keyward_session=garbage"}}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/tokens", {{"Cookie", "keyward_session=" + std::string(43, 'A')}}),
                      401, "UNAUTHORIZED"));
  SignedUp s = SignUp("expiring@example.com");
  env_.clock().AdvanceSeconds(7 * 86400 + 1);
  EXPECT_TRUE(IsError(Get("/v1/session", Cookie(s)), 401, "UNAUTHORIZED"));
}

TEST_F(SessionsRoute, Accounts403ASessionIsNoAdmin) {
  SignedUp s = SignUp("noadmin@example.com");
  EXPECT_TRUE(IsError(Get("/v1/accounts", Cookie(s)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(
      Get("/v1/tokens", Join(Cookie(s), {{"Keyward-Account", "acct_000000000000000000000000"}})),
      403, "FORBIDDEN"));
}

TEST_F(SessionsRoute, Put405) {
  Answer a = Call("PUT", "/v1/session");
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST, GET, DELETE");
  Answer b = Get("/v1/signup");
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "POST");
}

// dashboard.signup = false; sign-in limited to 3 per account per minute.
EnvOptions ClosedSignUpAndTightSignIn() {
  EnvOptions o;
  o.service.dashboard.signup = false;
  o.service.dashboard.signin_per_account = RateSpec{3, 60};
  return o;
}

class SessionsLimitsRoute : public SessionsRoute {
 protected:
  SessionsLimitsRoute() : SessionsRoute(ClosedSignUpAndTightSignIn()) {}
};

TEST_F(SessionsLimitsRoute, SignUp403WhenTurnedOff) {
  EXPECT_TRUE(
      IsError(Post("/v1/signup", object{{"email", "a@example.com"}, {"password", "long enough"}}),
              403, "FORBIDDEN"));
}

TEST_F(SessionsLimitsRoute, SignIn429PerAccount) {
  NewAccount({{"email", "limited@example.com"}, {"password", "right password"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IsError(
        Post("/v1/session", object{{"email", "limited@example.com"}, {"password", "wrong"}}), 401,
        "UNAUTHORIZED"));
  }
  Answer limited =
      Post("/v1/session", object{{"email", "LIMITED@example.com"}, {"password", "right password"}});
  ASSERT_TRUE(IsError(limited, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(limited, "Retry-After").has_value());
  EXPECT_FALSE(HeaderOf(limited, "Set-Cookie").has_value());
  env_.clock().AdvanceSeconds(60);
  EXPECT_TRUE(IsOk(Post("/v1/session",
                        object{{"email", "limited@example.com"}, {"password", "right password"}})));
}

}  // namespace
}  // namespace keyward::api_test
