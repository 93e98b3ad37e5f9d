// API.md 8: dashboard sessions (cookie attributes, CSRF, sign-in limits), cookie sessions on the
// management endpoints, agent sign-in over HTTP, and the embedded pages.
#include <chrono>
#include <string>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

struct Session {
  std::string secret;
  std::string csrf;
  std::string account;
  Response response;
};

std::string CookieSecret(const Response& r) {
  auto set = r.header("Set-Cookie");
  if (!set) throw std::runtime_error("no Set-Cookie: " + Describe(r));
  const std::string prefix = "keyward_session=";
  if (set->rfind(prefix, 0) != 0) throw std::runtime_error("unexpected cookie: " + *set);
  return set->substr(prefix.size(), set->find(';') - prefix.size());
}

Session SignUp(HttpClient& c, const std::string& email,
               const std::string& password = "password123") {
  Response r = c.Post("/v1/signup", {{"email", email}, {"password", password}});
  if (r.status != 200) throw std::runtime_error("signup: " + Describe(r));
  return Session{CookieSecret(r), AsString(r.object().at("csrf_token")),
                 AsString(r.object().at("account")), r};
}

Headers Cookie(const Session& s) {
  return {{"Cookie", "keyward_session=" + s.secret}};
}
Headers CookieCsrf(const Session& s) {
  return {{"Cookie", "keyward_session=" + s.secret}, {"X-CSRF-Token", s.csrf}};
}

std::string NewAgentToken() {
  std::string t;
  for (int i = 0; i < 4; ++i) t += RandomBase62(16);
  std::string hex;
  for (char ch : t) hex += "0123456789abcdef"[static_cast<unsigned char>(ch) % 16];
  return hex;  // 64 hex characters
}

// Polls the agent endpoint, retrying while it answers 429 (the 1/s limit), until `limit` passes.
Response PollAgent(HttpClient& c, const std::string& token,
                   std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    Response r = c.Get("/v1/agent-auth/token/" + token);
    if (r.status != 429 || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
}

Response Decide(HttpClient& c, const Session& s, const std::string& token,
                const std::string& decision, const std::string& client = "Test CLI") {
  return c.Post("/v1/agent-auth/approve",
                {{"token", token}, {"decision", decision}, {"client_name", client}}, CookieCsrf(s));
}

class DashboardTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() {
    KeywardOptions o;
    o.config_toml = "[dashboard]\nsignin_limit_per_ip = \"1000/min\"\n";
    StartShared(o);
  }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(DashboardTest, SignUpSetsAStrictHttpOnlySessionCookie) {
  Session s = SignUp(client(), UniqueEmail());
  auto cookie = *s.response.header("Set-Cookie");
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Max-Age="), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP: no Secure: " << cookie;
  EXPECT_TRUE(Matches(s.secret, "[0-9A-Za-z]{43}")) << s.secret;
  EXPECT_EQ(s.response.object().at("object"), "session");
  EXPECT_TRUE(Matches(s.account, "acct_[0-9A-Za-z]{24}"));
  EXPECT_EQ(s.response.header("Cache-Control"), "no-store");
  // The secret is not the CSRF token and never appears in the body.
  EXPECT_EQ(s.response.body.find(s.secret), std::string::npos);

  Response me = client().Get("/v1/session", Cookie(s));
  ASSERT_TRUE(IsOk(me));
  EXPECT_EQ(me.object().at("csrf_token"), s.csrf.c_str());
  EXPECT_EQ(me.object().at("account"), s.account.c_str());
  EXPECT_TRUE(IsError(client().Get("/v1/session"), 401, "UNAUTHORIZED"));
}

TEST_F(DashboardTest, SignInStartsANewSession) {
  const std::string email = UniqueEmail();
  Session first = SignUp(client(), email, "a long password");
  Response r = client().Post("/v1/session", {{"email", email}, {"password", "a long password"}});
  ASSERT_TRUE(IsOk(r));
  std::string secret = CookieSecret(r);
  EXPECT_NE(secret, first.secret);
  EXPECT_EQ(r.object().at("account"), first.account.c_str());
  EXPECT_EQ(r.object().at("email"), email.c_str());
}

TEST_F(DashboardTest, CookieWritesNeedTheCsrfToken) {
  Session s = SignUp(client(), UniqueEmail());
  // Reads need no token.
  Response list = client().Get("/v1/tokens", Cookie(s));
  ASSERT_TRUE(IsOk(list));
  EXPECT_TRUE(client().Get("/v1/credits", Cookie(s)).status == 200);

  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}}, Cookie(s)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(
      client().Post("/v1/tokens", {{"name", "x"}}, Join(Cookie(s), {{"X-CSRF-Token", "nope"}})),
      403, "FORBIDDEN"));
  Session other = SignUp(client(), UniqueEmail());
  EXPECT_TRUE(IsError(
      client().Post("/v1/tokens", {{"name", "x"}}, Join(Cookie(s), {{"X-CSRF-Token", other.csrf}})),
      403, "FORBIDDEN"))
      << "another session's token does not count";
  // Nothing was created by the refused writes.
  EXPECT_EQ(client().Get("/v1/tokens", Cookie(s)).object().at("data").as_array().size(), 0u);

  Response created = client().Post("/v1/tokens", {{"name", "from the dashboard"}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(created));
  const std::string id = AsString(created.object().at("id"));
  const std::string key = AsString(created.object().at("key"));
  EXPECT_EQ(created.object().at("account"), s.account.c_str());
  EXPECT_EQ(created.object().at("livemode"), true);
  EXPECT_EQ(Auth(client(), key).status, 200);

  EXPECT_TRUE(
      IsError(client().Post("/v1/tokens/" + id + "/revoke", boost::json::object{}, Cookie(s)), 403,
              "FORBIDDEN"));
  EXPECT_EQ(Auth(client(), key).status, 200);
  ASSERT_TRUE(
      IsOk(client().Post("/v1/tokens/" + id + "/revoke", boost::json::object{}, CookieCsrf(s))));
  EXPECT_TRUE(IsError(Auth(client(), key), 401, "UNAUTHORIZED"));
}

TEST_F(DashboardTest, SignOutNeedsTheCsrfTokenAndEndsTheSession) {
  Session s = SignUp(client(), UniqueEmail());
  EXPECT_TRUE(IsError(client().Delete("/v1/session", Cookie(s)), 403, "FORBIDDEN"));
  EXPECT_EQ(client().Get("/v1/tokens", Cookie(s)).status, 200);
  Response out = client().Delete("/v1/session", CookieCsrf(s));
  ASSERT_TRUE(IsOk(out));
  auto cleared = out.header("Set-Cookie");
  ASSERT_TRUE(cleared);
  EXPECT_NE(cleared->find("keyward_session=;"), std::string::npos) << *cleared;
  EXPECT_NE(cleared->find("Max-Age=0"), std::string::npos) << *cleared;
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", Cookie(s)), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(client().Get("/v1/session", Cookie(s)), 401, "UNAUTHORIZED"));
}

TEST_F(DashboardTest, ASessionIsNoAdmin) {
  Session s = SignUp(client(), UniqueEmail());
  EXPECT_TRUE(IsError(client().Get("/v1/accounts", Cookie(s)), 403, "FORBIDDEN"));
  EXPECT_TRUE(
      IsError(client().Get("/v1/tokens",
                           Join(Cookie(s), {{"Keyward-Account", "acct_000000000000000000000000"}})),
              403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", {{"Cookie", "keyward_session=garbage"}}), 401,
                      "UNAUTHORIZED"));
  EXPECT_TRUE(
      IsError(client().Get("/v1/tokens", {{"Cookie", "keyward_session=" + std::string(43, 'A')}}),
              401, "UNAUTHORIZED"));
}

TEST_F(DashboardTest, EverySignInFailureLooksTheSame) {
  const std::string email = UniqueEmail();
  SignUp(client(), email, "the right password");
  Response wrong = client().Post("/v1/session", {{"email", email}, {"password", "the wrong one"}});
  Response unknown =
      client().Post("/v1/session", {{"email", UniqueEmail()}, {"password", "the right password"}});
  ASSERT_TRUE(IsError(wrong, 401, "UNAUTHORIZED"));
  ASSERT_TRUE(IsError(unknown, 401, "UNAUTHORIZED"));
  EXPECT_EQ(wrong.object().at("error").as_object().at("message"),
            unknown.object().at("error").as_object().at("message"));
  EXPECT_FALSE(wrong.has_header("Set-Cookie"));
  // An account made by the operator without a password cannot sign in either.
  const std::string no_pw = UniqueEmail();
  CreateAccount(client(), admin(), {{"email", no_pw}});
  Response none = client().Post("/v1/session", {{"email", no_pw}, {"password", "anything goes"}});
  ASSERT_TRUE(IsError(none, 401, "UNAUTHORIZED"));
  EXPECT_EQ(none.object().at("error").as_object().at("message"),
            wrong.object().at("error").as_object().at("message"));
  // With a password from the operator it can.
  const std::string with_pw = UniqueEmail();
  CreateAccount(client(), admin(), {{"email", with_pw}, {"password", "operator set"}});
  EXPECT_TRUE(
      IsOk(client().Post("/v1/session", {{"email", with_pw}, {"password", "operator set"}})));
}

TEST_F(DashboardTest, SignUpValidatesItsInput) {
  EXPECT_TRUE(
      IsError(client().Post("/v1/signup", {{"email", UniqueEmail()}, {"password", "short"}}), 400,
              "INVALID_REQUEST", "password"));
  EXPECT_TRUE(
      IsError(client().Post("/v1/signup", {{"email", "not an email"}, {"password", "long enough"}}),
              400, "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(client().Post("/v1/signup", {{"email", UniqueEmail()}}), 400,
                      "INVALID_REQUEST", "password"));
  EXPECT_TRUE(
      IsError(client().Post("/v1/signup",
                            {{"email", UniqueEmail()}, {"password", "long enough"}, {"plan", "x"}}),
              400, "INVALID_REQUEST", "plan"));
  const std::string email = UniqueEmail();
  SignUp(client(), email);
  EXPECT_TRUE(IsError(client().Post("/v1/signup", {{"email", email}, {"password", "long enough"}}),
                      400, "INVALID_REQUEST", "email"));
}

TEST_F(DashboardTest, SessionMintsAccessTokensFromANamedKey) {
  Session s = SignUp(client(), UniqueEmail());
  Response created = client().Post("/v1/tokens", {{"name", "backend"}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(created));
  const std::string parent = AsString(created.object().at("id"));
  EXPECT_TRUE(IsError(client().Post("/v1/token", {{"expiry_minutes", 5}}, CookieCsrf(s)), 400,
                      "INVALID_REQUEST", "parent"));
  Response minted =
      client().Post("/v1/token", {{"expiry_minutes", 5}, {"parent", parent}}, CookieCsrf(s));
  ASSERT_TRUE(IsOk(minted));
  const std::string at = AsString(minted.object().at("access_token"));
  EXPECT_EQ(Auth(client(), at).status, 200);
  // A key may not name a parent.
  EXPECT_TRUE(IsError(client().Post("/v1/token", {{"parent", parent}},
                                    ApiKey(AsString(created.object().at("key")))),
                      400, "INVALID_REQUEST", "parent"));
}

TEST_F(DashboardTest, AgentIsApprovedOnceWithAWorkingKey) {
  Session s = SignUp(client(), UniqueEmail());
  const std::string token = NewAgentToken();
  Response pending = PollAgent(client(), token);
  ASSERT_TRUE(IsOk(pending));
  EXPECT_EQ(pending.body, R"({"status":"pending"})");
  // Polling again at once is too fast.
  Response fast = client().Get("/v1/agent-auth/token/" + token);
  ASSERT_TRUE(IsError(fast, 429, "RATE_LIMITED"));
  EXPECT_TRUE(fast.has_header("Retry-After"));

  // The decision needs the session and its CSRF token.
  EXPECT_TRUE(IsError(
      client().Post("/v1/agent-auth/approve",
                    {{"token", token}, {"decision", "approve"}, {"client_name", "X"}}, Cookie(s)),
      403, "FORBIDDEN"));
  EXPECT_TRUE(
      IsError(client().Post("/v1/agent-auth/approve",
                            {{"token", token}, {"decision", "approve"}, {"client_name", "X"}}),
              401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Decide(client(), s, token, "maybe"), 400, "INVALID_REQUEST", "decision"));
  ASSERT_TRUE(IsOk(Decide(client(), s, token, "approve", "Claude Code")));
  EXPECT_TRUE(IsError(Decide(client(), s, token, "approve"), 400, "INVALID_REQUEST", "token"));

  Response approved = PollAgent(client(), token);
  ASSERT_TRUE(IsOk(approved));
  auto o = approved.object();
  EXPECT_EQ(o.at("status"), "approved");
  const std::string key = AsString(o.at("api_key"));
  EXPECT_EQ(o.at("email"), s.response.object().at("email"));
  EXPECT_TRUE(key.rfind("sk_live_", 0) == 0) << key;
  Response auth = Auth(client(), key);
  ASSERT_EQ(auth.status, 200) << Describe(auth);
  EXPECT_EQ(auth.header("X-Keyward-Account"), s.account);

  Response listed = client().Get("/v1/tokens", Cookie(s));
  auto data = listed.object().at("data").as_array();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].as_object().at("name"), "Claude Code (agent)");

  Response after = PollAgent(client(), token);
  ASSERT_TRUE(IsOk(after));
  EXPECT_EQ(after.body, R"({"status":"expired"})");
}

TEST_F(DashboardTest, AgentDeniedGetsNoKey) {
  Session s = SignUp(client(), UniqueEmail());
  const std::string token = NewAgentToken();
  ASSERT_TRUE(IsOk(Decide(client(), s, token, "deny")));
  Response denied = PollAgent(client(), token);
  ASSERT_TRUE(IsOk(denied));
  EXPECT_EQ(denied.body, R"({"status":"denied"})");
  EXPECT_EQ(client().Get("/v1/tokens", Cookie(s)).object().at("data").as_array().size(), 0u);
}

TEST_F(DashboardTest, AgentTokensMustBeHex32To128) {
  for (const std::string& bad :
       {std::string(31, 'a'), std::string(129, 'a'), std::string(40, 'z')}) {
    EXPECT_TRUE(
        IsError(client().Get("/v1/agent-auth/token/" + bad), 400, "INVALID_REQUEST", "token"))
        << bad;
  }
  Session s = SignUp(client(), UniqueEmail());
  EXPECT_TRUE(IsError(Decide(client(), s, "abc", "approve"), 400, "INVALID_REQUEST", "token"));
}

TEST_F(DashboardTest, RootRedirectsAndPagesAreEmbeddedWithACsp) {
  Response root = client().Get("/");
  EXPECT_EQ(root.status, 302);
  EXPECT_EQ(root.header("Location"), "/dashboard/");
  Response bare = client().Get("/dashboard");
  EXPECT_EQ(bare.status, 301);
  EXPECT_EQ(bare.header("Location"), "/dashboard/");

  Response page = client().Get("/dashboard/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  auto csp = page.header("Content-Security-Policy");
  ASSERT_TRUE(csp);
  EXPECT_NE(csp->find("default-src 'none'"), std::string::npos);
  EXPECT_NE(csp->find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp->find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(page.body.find("<!doctype html>"), std::string::npos);
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "no CDN";

  Response js = client().Get("/dashboard/app.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.header("Content-Type"), "text/javascript; charset=utf-8");
  auto etag = js.header("ETag");
  ASSERT_TRUE(etag);
  Response again = client().Get("/dashboard/app.js", {{"If-None-Match", *etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(client().Get("/dashboard/app.css").header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_TRUE(IsError(client().Get("/dashboard/nothing.js"), 404, "NOT_FOUND"));

  Response agent = client().Get("/agent-auth?token=" + NewAgentToken() + "&client_name=cli");
  ASSERT_EQ(agent.status, 200);
  EXPECT_EQ(agent.header("Referrer-Policy"), "no-referrer");
  EXPECT_TRUE(agent.header("Content-Security-Policy").has_value());
}

// Limits need a server of their own: the per-IP bucket is shared by everything from 127.0.0.1.
TEST(DashboardLimits, SignInAttemptsAreLimitedPerAccount) {
  KeywardOptions o;
  o.config_toml =
      "[dashboard]\nsignin_limit_per_account = \"3/min\"\nsignin_limit_per_ip = \"1000/min\"\n";
  KeywardProcess server(o);
  HttpClient c(server.port());
  const std::string email = UniqueEmail();
  SignUp(c, email, "right password");
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IsError(c.Post("/v1/session", {{"email", email}, {"password", "wrong password"}}),
                        401, "UNAUTHORIZED"));
  }
  Response limited = c.Post("/v1/session", {{"email", email}, {"password", "right password"}});
  ASSERT_TRUE(IsError(limited, 429, "RATE_LIMITED"));
  EXPECT_TRUE(limited.has_header("Retry-After"));
  EXPECT_FALSE(limited.has_header("Set-Cookie"));
  // Another account is not affected; the email's bucket is case-insensitive.
  const std::string other = UniqueEmail();
  SignUp(c, other, "right password");
  EXPECT_TRUE(IsOk(c.Post("/v1/session", {{"email", other}, {"password", "right password"}})));
  std::string upper = email;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(IsError(c.Post("/v1/session", {{"email", upper}, {"password", "right password"}}),
                      429, "RATE_LIMITED"));
  server.CheckSanitizerReports();
}

TEST(DashboardLimits, SignInAttemptsAreLimitedPerIp) {
  KeywardOptions o;
  o.config_toml = "[dashboard]\nsignin_limit_per_ip = \"4/min\"\n";
  KeywardProcess server(o);
  HttpClient c(server.port());
  const std::string email = UniqueEmail();
  SignUp(c, email, "right password");  // one
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IsError(c.Post("/v1/session", {{"email", UniqueEmail()}, {"password", "x"}}), 401,
                        "UNAUTHORIZED"));
  }
  ASSERT_TRUE(IsError(c.Post("/v1/session", {{"email", email}, {"password", "right password"}}),
                      429, "RATE_LIMITED"));
  ASSERT_TRUE(
      IsError(c.Post("/v1/signup", {{"email", UniqueEmail()}, {"password", "right password"}}), 429,
              "RATE_LIMITED"));
  server.CheckSanitizerReports();
}

TEST(DashboardSignup, CanBeTurnedOff) {
  KeywardOptions o;
  o.config_toml = "[dashboard]\nsignup = false\n";
  KeywardProcess server(o);
  HttpClient c(server.port());
  EXPECT_TRUE(IsError(c.Post("/v1/signup", {{"email", UniqueEmail()}, {"password", "long enough"}}),
                      403, "FORBIDDEN"));
  server.CheckSanitizerReports();
}

// The approved key's plaintext lives only in memory: after a restart the poll gets a new key
// (the unknowable one is revoked), still exactly once.
TEST(DashboardAgentRestart, AnApprovalSurvivesARestart) {
  KeywardProcess server;
  std::string token = NewAgentToken();
  Session s;
  {
    HttpClient c(server.port());
    s = SignUp(c, UniqueEmail());
    ASSERT_TRUE(IsOk(Decide(c, s, token, "approve", "Restarted")));
  }
  server.Restart();
  HttpClient c(server.port());
  Response approved = PollAgent(c, token);
  ASSERT_TRUE(IsOk(approved));
  ASSERT_EQ(approved.object().at("status"), "approved") << Describe(approved);
  const std::string key = AsString(approved.object().at("api_key"));
  EXPECT_EQ(Auth(c, key).status, 200);
  auto data = c.Get("/v1/tokens", Cookie(s)).object().at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].as_object().at("status"), "active");
  EXPECT_EQ(data[0].as_object().at("name"), "Restarted (agent)");
  EXPECT_EQ(data[1].as_object().at("status"), "revoked");
  EXPECT_EQ(PollAgent(c, token).body, R"({"status":"expired"})");
  server.CheckSanitizerReports();
}

}  // namespace
}  // namespace keyward_it
