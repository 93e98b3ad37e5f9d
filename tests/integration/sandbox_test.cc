// API.md 6 (and 4, 5, 9): the sandbox key. With sandbox.enabled (default true) the literal
// sandbox.key (default "sandbox-with-json-responses") authenticates as the built-in sandbox account:
// test mode, never charged, every protected route allowed, no management endpoint, limited to
// sandbox.rate_limit (default 10/min) per client IP — the socket's address, or X-Forwarded-For /
// X-Real-IP when the peer is a trusted proxy.
#include <atomic>
#include <chrono>
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const std::string kSandboxKey = "sandbox-with-json-responses";

const char* kRoutes = R"toml(
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
cost = 5

[[route]]
method = "GET"
path = "/v1/public/*"
publishable = true
)toml";

// A client address of its own for each use, so tests never share a per-IP budget.
std::string FreshIp() {
  static std::atomic<int> n{1};
  int i = n++;
  return "198.18." + std::to_string((i / 250) % 250) + "." + std::to_string(i % 250 + 1);
}

Headers From(const std::string& ip) { return {{"X-Forwarded-For", ip}}; }

// A 429 RATE_LIMITED answer with Retry-After (whole seconds, 1..window).
::testing::AssertionResult IsRateLimited(const Response& r, int64_t window_s) {
  auto e = IsError(r, 429, "RATE_LIMITED");
  if (!e) return e;
  auto ra = r.header("Retry-After");
  if (!ra) return ::testing::AssertionFailure() << "no Retry-After: " << Describe(r);
  int64_t s = 0;
  try {
    s = IntHeader(r, "Retry-After");
  } catch (const std::exception& ex) {
    return ::testing::AssertionFailure() << ex.what();
  }
  if (s < 1 || s > window_s) return ::testing::AssertionFailure() << "Retry-After " << s << " out of 1.." << window_s;
  return ::testing::AssertionSuccess();
}

// --- defaults ------------------------------------------------------------------------------------

class SandboxTest : public SharedServerTest {
 protected:
  // Defaults for [sandbox] and [server] (trusted_proxies = loopback); credits would cost 1 a request.
  static void SetUpTestSuite() {
    StartShared({.config_toml = std::string("[credits]\ndefault_cost = 1\n") + kRoutes});
  }
  static void TearDownTestSuite() { StopShared(); }

  // GET /v1/auth with the sandbox key from `ip`.
  Response SandboxAuth(const std::string& ip, std::string_view method = "GET", std::string_view uri = "/v1/things") {
    return Auth(client(), kSandboxKey, method, uri, From(ip));
  }
};

TEST_F(SandboxTest, AuthenticatesAsTheBuiltInSandboxAccount) {
  std::string ip = FreshIp();
  Response r = SandboxAuth(ip);
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(HeaderTrue(r.header("X-Keyward-Sandbox"))) << Describe(r);
  EXPECT_TRUE(HeaderFalse(r.header("X-Keyward-Livemode"))) << "the sandbox is test mode: " << Describe(r);
  std::string account = r.header("X-Keyward-Account").value_or("");
  EXPECT_TRUE(Matches(account, "acct_[0-9A-Za-z]{24}")) << "X-Keyward-Account: " << account;
  EXPECT_TRUE(r.has_header("X-Keyward-Token-Id")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-Keyward-Permissions")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-RateLimit-Limit")) << Describe(r);

  // The same identity every time, from any client, in either header.
  Response again = SandboxAuth(FreshIp());
  ASSERT_EQ(again.status, 200) << Describe(again);
  EXPECT_EQ(again.header("X-Keyward-Account").value_or(""), account);
  EXPECT_EQ(again.header("X-Keyward-Token-Id"), r.header("X-Keyward-Token-Id"));
  Response bearer = client().Get("/v1/auth", Join(Bearer(kSandboxKey), From(FreshIp())));
  ASSERT_EQ(bearer.status, 200) << Describe(bearer);
  EXPECT_EQ(bearer.header("X-Keyward-Account").value_or(""), account);
  EXPECT_TRUE(HeaderTrue(bearer.header("X-Keyward-Sandbox"))) << Describe(bearer);

  // Not one of the operator's accounts.
  std::string real = CreateAccount(client(), admin());
  EXPECT_NE(real, account);
  Response list = client().Get("/v1/accounts?limit=100", Admin(admin()));
  ASSERT_TRUE(IsOk(list));
  EXPECT_EQ(list.body.find(account), std::string::npos) << "the sandbox account is built in, not listed";
}

TEST_F(SandboxTest, ReportsTheSandboxRateLimit) {
  Response r = SandboxAuth(FreshIp());
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(IntHeader(r, "X-RateLimit-Limit"), 10) << "sandbox.rate_limit defaults to 10/min";
  EXPECT_EQ(IntHeader(r, "X-RateLimit-Remaining"), 9) << Describe(r);
}

TEST_F(SandboxTest, EveryProtectedRouteIsAllowed) {
  std::string ip = FreshIp();
  EXPECT_EQ(SandboxAuth(ip, "POST", "/v1/extractions").status, 200) << "a route with a permission";
  EXPECT_EQ(SandboxAuth(ip, "GET", "/v1/things").status, 200) << "an unmatched, not publishable route";
  EXPECT_EQ(SandboxAuth(ip, "GET", "/v1/public/catalog").status, 200) << "a publishable route";
  EXPECT_EQ(SandboxAuth(ip, "DELETE", "/anything/at/all").status, 200);
  Response envoy = client().Request("POST", "/v1/auth/v1/extractions", Join(ApiKey(kSandboxKey), From(ip)));
  EXPECT_EQ(envoy.status, 200) << "Envoy style: " << Describe(envoy);
  Response v = client().Post("/v1/keys/verify",
                             {{"key", kSandboxKey}, {"method", "POST"}, {"path", "/v1/extractions"}, {"client_ip", ip}});
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("code"), "VALID") << Describe(v);
}

TEST_F(SandboxTest, KeysVerifyReportsTheSandbox) {
  std::string ip = FreshIp();
  Response a = SandboxAuth(ip);
  ASSERT_EQ(a.status, 200) << Describe(a);
  Response r = client().Post("/v1/keys/verify",
                             {{"key", kSandboxKey}, {"method", "GET"}, {"path", "/v1/things"}, {"client_ip", ip}});
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(o.at("valid"), true) << Describe(r);
  EXPECT_EQ(o.at("code"), "VALID") << Describe(r);
  ASSERT_TRUE(o.contains("token") && o.at("token").is_object()) << Describe(r);
  const auto& t = o.at("token").as_object();
  EXPECT_EQ(t.at("sandbox"), true) << Describe(r);
  EXPECT_EQ(t.at("livemode"), false) << Describe(r);
  EXPECT_EQ(AsString(t.at("account")), a.header("X-Keyward-Account").value_or("")) << Describe(r);
  EXPECT_EQ(r.body.find(kSandboxKey), std::string::npos) << "the verdict does not echo the key";
}

TEST_F(SandboxTest, IsNeverCharged) {
  std::string ip = FreshIp();
  for (int i = 0; i < 4; ++i) {
    Response r = SandboxAuth(ip, "POST", "/v1/extractions");  // cost 5
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  Response v = client().Post("/v1/keys/verify",
                             {{"key", kSandboxKey}, {"method", "POST"}, {"path", "/v1/extractions"}, {"client_ip", ip}});
  ASSERT_TRUE(IsOk(v));
  auto o = v.object();
  EXPECT_EQ(o.at("valid"), true) << Describe(v);
  if (o.contains("credits")) {
    EXPECT_EQ(AsInt(o.at("credits").at("charged")), 0) << Describe(v);
  }
  // A live key on the same server is charged, which shows the cost is really there.
  std::string account = CreateAccount(client(), admin(), {{"credits", 100}});
  CreatedKey sk = CreateKey(client(), AdminFor(admin(), account));
  Response lv = Verify(client(), sk.key, "POST", "/v1/extractions");
  ASSERT_TRUE(IsOk(lv));
  EXPECT_EQ(AsInt(lv.object().at("credits").at("charged")), 5) << Describe(lv);
}

TEST_F(SandboxTest, ManagementEndpointsAreForbidden) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey victim = CreateKey(client(), AdminFor(admin(), account));
  for (const Headers& cred : {ApiKey(kSandboxKey), Bearer(kSandboxKey)}) {
    Headers h = Join(cred, From(FreshIp()));
    EXPECT_TRUE(IsError(client().Get("/v1/tokens", h), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "sandbox made"}}, h), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Post("/v1/token", {{"expiry_minutes", 5}}, h), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/credits", h), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/accounts", h), 403, "FORBIDDEN"));
    h = Join(cred, From(FreshIp()));
    Response get = client().Get("/v1/tokens/" + victim.id, h);
    EXPECT_TRUE(get.status == 403 || get.status == 404) << Describe(get);
    Response revoke = client().Post("/v1/tokens/" + victim.id + "/revoke", boost::json::object{}, h);
    EXPECT_TRUE(revoke.status == 403 || revoke.status == 404) << Describe(revoke);
  }
  EXPECT_EQ(Auth(client(), victim.key).status, 200) << "the sandbox touched nobody's key";
}

TEST_F(SandboxTest, NearMissesAreNotTheSandboxKey) {
  for (const std::string& k : {std::string("sandbox-with-json-response"), std::string("SANDBOX-WITH-JSON-RESPONSES"),
                               kSandboxKey + " x", kSandboxKey + "s", std::string("sandbox")}) {
    Response r = Auth(client(), k, "GET", "/v1/things", From(FreshIp()));
    EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED")) << k;
    EXPECT_FALSE(r.has_header("X-Keyward-Sandbox") && HeaderTrue(r.header("X-Keyward-Sandbox"))) << k;
  }
}

TEST_F(SandboxTest, DefaultLimitIsTenPerMinutePerClientIp) {
  // 10/min refills one request every 6 s; the burst of 10 is allowed at once.
  std::string ip = "203.0.113.77";
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    Response r = SandboxAuth(ip);
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  // The 11th is refused, unless the machine took over 6 s for the ten (then a refill is due).
  int extra_ok = 0;
  Response refused;
  for (;;) {
    refused = SandboxAuth(ip);
    if (refused.status != 200) break;
    ++extra_ok;
    ASSERT_LE(extra_ok, 3) << "no 429 after " << 10 + extra_ok << " requests from one client";
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  EXPECT_LE(extra_ok, elapsed.count() / 6) << extra_ok << " requests over the burst passed in " << elapsed.count() << " s";
  EXPECT_TRUE(IsRateLimited(refused, 60));
  EXPECT_EQ(IntHeader(refused, "X-RateLimit-Remaining"), 0) << Describe(refused);
  // Another client is not affected.
  Response other = SandboxAuth("203.0.113.78");
  EXPECT_EQ(other.status, 200) << Describe(other);
}

// --- the per-IP limit, with a small budget ------------------------------------------------------

const char* kSmallLimit = R"toml(
[server]
trusted_proxies = ["127.0.0.1/32"]

[sandbox]
rate_limit = "3/min"
)toml";

// 3/min refills one request every 20 s; each test uses its own client addresses.
class SandboxLimitTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kSmallLimit}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(SandboxLimitTest, XForwardedForFromATrustedProxyNamesTheClient) {
  for (int i = 0; i < 3; ++i) {
    Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.7"}});
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
    EXPECT_EQ(IntHeader(r, "X-RateLimit-Limit"), 3) << Describe(r);
  }
  Response limited = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_TRUE(IsRateLimited(limited, 60));

  Response other = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.8"}});
  EXPECT_EQ(other.status, 200) << "a different client has its own budget: " << Describe(other);
  EXPECT_TRUE(HeaderTrue(other.header("X-Keyward-Sandbox"))) << Describe(other);

  // The per-IP limit is the sandbox's: a real key from the same client is not affected.
  std::string account = CreateAccount(client(), admin());
  CreatedKey sk = CreateKey(client(), AdminFor(admin(), account));
  Response real = Auth(client(), sk.key, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.7"}});
  EXPECT_EQ(real.status, 200) << Describe(real);
}

TEST_F(SandboxLimitTest, XRealIpFromATrustedProxyNamesTheClient) {
  for (int i = 0; i < 3; ++i) {
    Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Real-IP", "203.0.113.9"}});
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Real-IP", "203.0.113.9"}}), 60));
  Response other = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Real-IP", "203.0.113.10"}});
  EXPECT_EQ(other.status, 200) << Describe(other);
  Response same_by_xff = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.9"}});
  EXPECT_TRUE(IsRateLimited(same_by_xff, 60)) << "the same client, named by the other header";
}

TEST_F(SandboxLimitTest, ForwardedChainThroughATrustedProxyNamesTheFirstUntrustedHop) {
  // "client, trusted-proxy": the client is 203.0.113.40.
  for (int i = 0; i < 3; ++i) {
    Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.40, 127.0.0.1"}});
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.40"}}), 60));
}

TEST_F(SandboxLimitTest, SpoofedLeftEntriesDoNotEvadeTheLimit) {
  // A client may write anything into X-Forwarded-For; its proxy appends the real address last.
  for (int i = 0; i < 3; ++i) {
    std::string spoof = "192.0.2." + std::to_string(i + 1) + ", 203.0.113.41";
    Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", spoof}});
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "192.0.2.99, 203.0.113.41"}});
  EXPECT_TRUE(IsRateLimited(r, 60)) << "a fresh left-most entry must not buy a fresh budget";
}

TEST_F(SandboxLimitTest, KeysVerifyClientIpCountsAgainstThatIp) {
  auto verify = [&](const std::string& ip) {
    return client().Post("/v1/keys/verify",
                         {{"key", kSandboxKey}, {"method", "GET"}, {"path", "/v1/things"}, {"client_ip", ip}});
  };
  for (int i = 0; i < 3; ++i) {
    Response r = verify("198.51.100.1");
    ASSERT_TRUE(IsOk(r));
    ASSERT_EQ(r.object().at("valid"), true) << "request " << i + 1 << ": " << Describe(r);
  }
  Response limited = verify("198.51.100.1");
  ASSERT_TRUE(IsOk(limited));
  EXPECT_EQ(limited.object().at("valid"), false) << Describe(limited);
  EXPECT_EQ(limited.object().at("code"), "RATE_LIMITED") << Describe(limited);
  EXPECT_TRUE(limited.object().contains("ratelimit")) << Describe(limited);
  // The same client through /v1/auth shares the budget; another client does not.
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "198.51.100.1"}}), 60));
  Response other = verify("198.51.100.2");
  ASSERT_TRUE(IsOk(other));
  EXPECT_EQ(other.object().at("valid"), true) << Describe(other);
  // The loopback caller's own address was not charged for any of it.
  Response loop = Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "198.51.100.3"}});
  EXPECT_EQ(loop.status, 200) << Describe(loop);
}

// --- an untrusted peer's forwarding headers are ignored -------------------------------------------

class SandboxUntrustedPeerTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() {
    StartShared({.config_toml = "[server]\ntrusted_proxies = [\"10.0.0.0/8\"]\n\n[sandbox]\nrate_limit = \"3/min\"\n"});
  }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(SandboxUntrustedPeerTest, ForwardingHeadersAreIgnoredSoAllShareThePeersBudget) {
  // Every request names a different client, but the loopback peer is not trusted: one budget.
  const std::vector<Headers> claims = {{{"X-Forwarded-For", "203.0.113.30"}},
                                       {{"X-Forwarded-For", "203.0.113.31"}},
                                       {{"X-Real-IP", "203.0.113.32"}}};
  for (size_t i = 0; i < claims.size(); ++i) {
    Response r = Auth(client(), kSandboxKey, "GET", "/v1/things", claims[i]);
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
  }
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Forwarded-For", "203.0.113.33"}}), 60));
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey, "GET", "/v1/things", {{"X-Real-IP", "203.0.113.34"}}), 60));
  EXPECT_TRUE(IsRateLimited(Auth(client(), kSandboxKey), 60)) << "no header at all: the peer itself";
}

// --- configuration --------------------------------------------------------------------------------

class SandboxDisabledTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = "[sandbox]\nenabled = false\n"}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(SandboxDisabledTest, TheSandboxKeyIsUnauthorized) {
  Response r = Auth(client(), kSandboxKey);
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_FALSE(r.has_header("X-Keyward-Account"));
  EXPECT_TRUE(IsError(client().Get("/v1/auth", Bearer(kSandboxKey)), 401, "UNAUTHORIZED"));
  Response v = Verify(client(), kSandboxKey);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("valid"), false) << Describe(v);
  EXPECT_EQ(v.object().at("code"), "UNAUTHORIZED") << Describe(v);
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(kSandboxKey)), 401, "UNAUTHORIZED"));
  // Real keys are unaffected.
  std::string account = CreateAccount(client(), admin());
  EXPECT_EQ(Auth(client(), CreateKey(client(), AdminFor(admin(), account)).key).status, 200);
}

class SandboxCustomKeyTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = "[sandbox]\nkey = \"try-our-api-sandbox\"\n"}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(SandboxCustomKeyTest, TheConfiguredKeyReplacesTheDefault) {
  Response r = Auth(client(), "try-our-api-sandbox", "GET", "/v1/things", From("203.0.113.60"));
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(HeaderTrue(r.header("X-Keyward-Sandbox"))) << Describe(r);
  EXPECT_TRUE(HeaderFalse(r.header("X-Keyward-Livemode"))) << Describe(r);
  EXPECT_TRUE(IsError(Auth(client(), kSandboxKey, "GET", "/v1/things", From("203.0.113.61")), 401, "UNAUTHORIZED"))
      << "the default literal is not a key any more";
}

}  // namespace
}  // namespace keyward_it
