// API.md 5 (and 1.1, 1.2, 2.3): POST /v1/keys/verify and GET /v1/auth.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kRoutesConfig = R"toml(
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"

[[route]]
method = "GET"
path = "/v1/public/*"
publishable = true
)toml";

const char* kBareChallenge = "Bearer realm=\"keyward\"";
const char* kInvalidTokenChallenge = "Bearer realm=\"keyward\", error=\"invalid_token\"";

std::set<std::string> SplitPermissions(const std::string& header) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    std::string part = header.substr(start, comma - start);
    while (!part.empty() && part.front() == ' ') part.erase(0, 1);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.insert(part);
    start = comma + 1;
  }
  return out;
}

bool IsTrue(const std::optional<std::string>& v) { return v && (*v == "true" || *v == "1"); }
bool IsFalse(const std::optional<std::string>& v) { return v && (*v == "false" || *v == "0"); }

class VerifyTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kRoutesConfig}); }
  static void TearDownTestSuite() { StopShared(); }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    account_ = CreateAccount(client(), admin());
    as_admin_ = AdminFor(admin(), account_);
  }

  CreatedKey Restricted(boost::json::array perms) {
    return CreateKey(client(), as_admin_, {{"type", "restricted"}, {"permissions", std::move(perms)}});
  }

  // A {"valid": false, ...} verdict with `code`.
  ::testing::AssertionResult IsInvalidVerdict(const Response& r, std::string_view code) {
    if (r.status != 200) return ::testing::AssertionFailure() << "verify must answer 200: " << Describe(r);
    auto o = r.object();
    for (const auto& k : Keys(o)) {
      if (k != "valid" && k != "code" && k != "message" && k != "ratelimit")
        return ::testing::AssertionFailure() << "unexpected member " << k << ": " << Describe(r);
    }
    if (!o.contains("valid") || o.at("valid") != false)
      return ::testing::AssertionFailure() << "valid must be false: " << Describe(r);
    if (!o.contains("code") || o.at("code") != boost::json::value(code))
      return ::testing::AssertionFailure() << "code must be " << code << ": " << Describe(r);
    if (!o.contains("message") || !o.at("message").is_string())
      return ::testing::AssertionFailure() << "message missing: " << Describe(r);
    return ::testing::AssertionSuccess();
  }

  std::string account_;
  Headers as_admin_;
};

TEST_F(VerifyTest, VerifyValidKeyHasExactShape) {
  CreatedKey k = CreateKey(client(), as_admin_);
  int64_t before = Now();
  Response r = Verify(client(), k.key, "POST", "/v4/smart/parse");
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(Keys(o), (std::set<std::string>{"valid", "code", "token", "ratelimit", "credits"})) << Describe(r);
  EXPECT_EQ(o.at("valid"), true);
  EXPECT_EQ(o.at("code"), "VALID");
  const auto& t = o.at("token").as_object();
  EXPECT_EQ(Keys(t), (std::set<std::string>{"id", "account", "type", "permissions", "livemode", "sandbox",
                                            "metadata"}));
  EXPECT_EQ(AsString(t.at("id")), k.id);
  EXPECT_EQ(AsString(t.at("account")), account_);
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_TRUE(t.at("permissions").is_array());
  EXPECT_EQ(t.at("livemode"), true);
  EXPECT_EQ(t.at("sandbox"), false);
  const auto& rl = o.at("ratelimit").as_object();
  EXPECT_EQ(Keys(rl), (std::set<std::string>{"limit", "remaining", "reset"}));
  EXPECT_EQ(AsInt(rl.at("limit")), 150) << "the default plan is 150/min";
  EXPECT_GE(AsInt(rl.at("remaining")), 0);
  EXPECT_LT(AsInt(rl.at("remaining")), 150) << "this request was counted";
  EXPECT_GE(AsInt(rl.at("reset")), before);
  EXPECT_LE(AsInt(rl.at("reset")), Now() + 61);
  const auto& c = o.at("credits").as_object();
  EXPECT_EQ(Keys(c), (std::set<std::string>{"balance", "charged"}));
  EXPECT_TRUE(c.at("balance").is_null()) << "unlimited account";
  EXPECT_EQ(AsInt(c.at("charged")), 0) << "credits.default_cost is 0";
  EXPECT_EQ(r.body.find(k.key), std::string::npos);
}

TEST_F(VerifyTest, VerifyReportsRestrictedPermissionsAndTestMode) {
  CreatedKey rk = Restricted({"extractions:write", "reports:read"});
  Response r = Verify(client(), rk.key);
  ASSERT_TRUE(IsOk(r));
  auto t = r.object().at("token").as_object();
  EXPECT_EQ(t.at("type"), "restricted");
  auto perms = StringList(t.at("permissions"));
  EXPECT_EQ(std::set<std::string>(perms.begin(), perms.end()),
            (std::set<std::string>{"extractions:write", "reports:read"}));

  CreatedKey test = CreateKey(client(), as_admin_, {{"livemode", false}});
  Response tr = Verify(client(), test.key);
  ASSERT_TRUE(IsOk(tr));
  EXPECT_EQ(tr.object().at("token").at("livemode"), false);
}

TEST_F(VerifyTest, VerifyGarbageIsUnauthorized) {
  for (const std::string& key : {std::string("hello"), std::string(""), std::string("sk_live_short"),
                                 std::string(500, 'a'), std::string("sk_live_") + std::string(38, '!')}) {
    EXPECT_TRUE(IsInvalidVerdict(Verify(client(), key), "UNAUTHORIZED")) << "key " << key.substr(0, 20);
  }
}

TEST_F(VerifyTest, VerifyBadChecksumIsUnauthorized) {
  CreatedKey k = CreateKey(client(), as_admin_);
  std::string flipped = FlipChar(k.key, 8 + 5);  // inside the random part
  ASSERT_FALSE(ChecksumValid(flipped));
  EXPECT_TRUE(IsInvalidVerdict(Verify(client(), flipped), "UNAUTHORIZED"));
  std::string flipped_sum = FlipChar(k.key, k.key.size() - 1);  // inside the checksum
  EXPECT_TRUE(IsInvalidVerdict(Verify(client(), flipped_sum), "UNAUTHORIZED"));
  EXPECT_TRUE(IsOk(Verify(client(), k.key)));
}

TEST_F(VerifyTest, VerifyUnknownWellFormedKeyIsUnauthorized) {
  for (const char* prefix : {"sk_live_", "pk_live_", "rk_test_"}) {
    std::string key = MakeWellFormedKey(prefix);
    ASSERT_TRUE(ChecksumValid(key));
    EXPECT_TRUE(IsInvalidVerdict(Verify(client(), key), "UNAUTHORIZED")) << prefix;
    EXPECT_TRUE(IsError(Auth(client(), key), 401, "UNAUTHORIZED")) << prefix;
  }
}

TEST_F(VerifyTest, VerifyRevokedKeyIsUnauthorized) {
  CreatedKey k = CreateKey(client(), as_admin_);
  ASSERT_TRUE(IsOk(Verify(client(), k.key)));
  RevokeKey(client(), as_admin_, k.id);
  EXPECT_TRUE(IsInvalidVerdict(Verify(client(), k.key), "UNAUTHORIZED"));
}

TEST_F(VerifyTest, VerifyExpiredKeyIsUnauthorized) {
  int64_t at = Now() + 3;
  CreatedKey k = CreateKey(client(), as_admin_, {{"expires_at", at}});
  Response last;
  bool refused = PollUntil(
      [&] {
        last = Verify(client(), k.key);
        return last.status != 200 || last.object().at("valid") != true;
      },
      std::chrono::seconds(15));
  ASSERT_TRUE(refused) << "still valid well after expires_at: " << Describe(last);
  EXPECT_GE(Now(), at) << "refused before expires_at: " << Describe(last);
  EXPECT_TRUE(IsInvalidVerdict(last, "UNAUTHORIZED"));
}

TEST_F(VerifyTest, VerifyDecidesByMethodAndPath) {
  CreatedKey without = Restricted({"reports:read"});
  CreatedKey with = Restricted({"extractions:write"});
  CreatedKey wildcard = Restricted({"extractions:*"});
  Response refused = Verify(client(), without.key, "POST", "/v1/extractions");
  EXPECT_TRUE(IsInvalidVerdict(refused, "FORBIDDEN"));
  EXPECT_TRUE(refused.object().contains("ratelimit")) << "an authenticated refusal reports its limit";
  EXPECT_EQ(Verify(client(), without.key, "GET", "/v1/extractions").object().at("code"), "VALID")
      << "GET does not match the POST route";
  EXPECT_EQ(Verify(client(), with.key, "POST", "/v1/extractions").object().at("code"), "VALID");
  EXPECT_EQ(Verify(client(), wildcard.key, "POST", "/v1/extractions").object().at("code"), "VALID");
}

TEST_F(VerifyTest, VerifyBodyIsValidated) {
  EXPECT_TRUE(IsError(client().Post("/v1/keys/verify", {{"method", "GET"}, {"path", "/"}}), 400, "INVALID_REQUEST",
                      "key"));
  EXPECT_TRUE(IsError(client().Post("/v1/keys/verify", {{"key", 5}}), 400, "INVALID_REQUEST", "key"));
  EXPECT_TRUE(IsError(client().Post("/v1/keys/verify", {{"key", "x"}, {"extra", 1}}), 400, "INVALID_REQUEST", "extra"));
}

TEST_F(VerifyTest, AuthAcceptsXApiKeyAndBearerAndSetsKeywardHeaders) {
  CreatedKey k = CreateKey(client(), as_admin_);
  for (const Headers& cred : {ApiKey(k.key), Bearer(k.key), Headers{{"X-API-KEY", k.key}}}) {
    Headers h = Join(cred, {{"X-Original-Method", "GET"}, {"X-Original-URI", "/v1/things"}});
    Response r = client().Get("/v1/auth", h);
    ASSERT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(r.header("X-Keyward-Account").value_or("<none>"), account_);
    EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), k.id);
    EXPECT_EQ(r.header("X-Keyward-Permissions").value_or("<none>"), "*");
    EXPECT_TRUE(IsTrue(r.header("X-Keyward-Livemode"))) << Describe(r);
    EXPECT_TRUE(IsFalse(r.header("X-Keyward-Sandbox"))) << Describe(r);
    EXPECT_TRUE(r.has_header("X-RateLimit-Limit")) << Describe(r);
    EXPECT_TRUE(r.has_header("X-Request-Id"));
  }
}

TEST_F(VerifyTest, AuthHeadersForRestrictedAndTestModeKeys) {
  CreatedKey rk = Restricted({"extractions:write", "reports:read"});
  Response r = Auth(client(), rk.key);
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(SplitPermissions(r.header("X-Keyward-Permissions").value_or("")),
            (std::set<std::string>{"extractions:write", "reports:read"}))
      << Describe(r);
  EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), rk.id);

  CreatedKey test = CreateKey(client(), as_admin_, {{"livemode", false}});
  Response t = Auth(client(), test.key);
  ASSERT_EQ(t.status, 200) << Describe(t);
  EXPECT_TRUE(IsFalse(t.header("X-Keyward-Livemode"))) << Describe(t);
}

TEST_F(VerifyTest, AuthWithBothHeadersDifferentIs401) {
  CreatedKey a = CreateKey(client(), as_admin_);
  CreatedKey b = CreateKey(client(), as_admin_);
  Response r = client().Get("/v1/auth", Join(ApiKey(a.key), Bearer(b.key)));
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  Response same = client().Get("/v1/auth", Join(ApiKey(a.key), Bearer(a.key)));
  EXPECT_EQ(same.status, 200) << "both headers with the same key are fine: " << Describe(same);
}

TEST_F(VerifyTest, AuthWithoutCredentialIs401WithBareChallenge) {
  Response r = client().Get("/v1/auth", {{"X-Original-Method", "GET"}, {"X-Original-URI", "/v1/things"}});
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), kBareChallenge);
}

TEST_F(VerifyTest, AuthWithInvalidKeyIs401WithInvalidTokenChallenge) {
  CreatedKey revoked = CreateKey(client(), as_admin_);
  RevokeKey(client(), as_admin_, revoked.id);
  CreatedKey good = CreateKey(client(), as_admin_);
  for (const std::string& key :
       {std::string("garbage"), FlipChar(good.key, 12), MakeWellFormedKey("sk_live_"), revoked.key}) {
    Response r = Auth(client(), key);
    EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED")) << key.substr(0, 12);
    EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), kInvalidTokenChallenge) << key.substr(0, 12);
    EXPECT_FALSE(r.has_header("X-Keyward-Account"));
  }
  Response bearer_garbage = client().Get("/v1/auth", {{"Authorization", "Bearer nonsense"}});
  EXPECT_TRUE(IsError(bearer_garbage, 401, "UNAUTHORIZED"));
  EXPECT_EQ(bearer_garbage.header("WWW-Authenticate").value_or("<none>"), kInvalidTokenChallenge);
}

TEST_F(VerifyTest, AuthOriginalMethodAndUriDecideTheRoute) {
  CreatedKey without = Restricted({"reports:read"});
  CreatedKey with = Restricted({"extractions:write"});
  CreatedKey star = Restricted({"*"});

  EXPECT_TRUE(IsError(Auth(client(), without.key, "POST", "/v1/extractions"), 403, "FORBIDDEN"));
  EXPECT_EQ(Auth(client(), without.key, "GET", "/v1/extractions").status, 200) << "the route is POST only";
  EXPECT_EQ(Auth(client(), without.key, "POST", "/v1/other").status, 200) << "unmatched: no permission needed";
  EXPECT_TRUE(IsError(Auth(client(), without.key, "POST", "/v1/extractions?page=2"), 403, "FORBIDDEN"))
      << "the query string is not part of the path";
  EXPECT_EQ(Auth(client(), with.key, "POST", "/v1/extractions").status, 200);
  EXPECT_EQ(Auth(client(), with.key, "POST", "/v1/extractions?page=2").status, 200);
  EXPECT_EQ(Auth(client(), star.key, "POST", "/v1/extractions").status, 200);
}

TEST_F(VerifyTest, AuthForbiddenCarriesRateLimitHeaders) {
  CreatedKey without = Restricted({"reports:read"});
  Response r = Auth(client(), without.key, "POST", "/v1/extractions");
  EXPECT_TRUE(IsError(r, 403, "FORBIDDEN"));
  EXPECT_TRUE(r.has_header("X-RateLimit-Limit")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-RateLimit-Remaining")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-RateLimit-Reset")) << Describe(r);
}

TEST_F(VerifyTest, AuthEnvoyStyleUsesOwnMethodAndPathAfterPrefix) {
  CreatedKey without = Restricted({"reports:read"});
  CreatedKey with = Restricted({"extractions:write"});
  EXPECT_TRUE(IsError(client().Request("POST", "/v1/auth/v1/extractions", ApiKey(without.key)), 403, "FORBIDDEN"));
  Response ok = client().Request("POST", "/v1/auth/v1/extractions", ApiKey(with.key));
  EXPECT_EQ(ok.status, 200) << Describe(ok);
  Response get = client().Request("GET", "/v1/auth/v1/extractions", ApiKey(without.key));
  EXPECT_EQ(get.status, 200) << "GET does not match the POST route: " << Describe(get);
}

TEST_F(VerifyTest, PublishableKeyOnlyOnPublishableRoutes) {
  CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}});
  EXPECT_TRUE(IsError(Auth(client(), pk.key, "POST", "/v1/extractions"), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Auth(client(), pk.key, "GET", "/v1/things"), 403, "FORBIDDEN")) << "unmatched is not publishable";
  EXPECT_TRUE(IsError(Auth(client(), pk.key, "GET", "/v1/public"), 403, "FORBIDDEN")) << "/x/* does not match /x";
  Response ok = Auth(client(), pk.key, "GET", "/v1/public/catalog");
  ASSERT_EQ(ok.status, 200) << Describe(ok);
  EXPECT_EQ(ok.header("X-Keyward-Token-Id").value_or("<none>"), pk.id);
  EXPECT_EQ(Auth(client(), pk.key, "GET", "/v1/public/a/b").status, 200);
  EXPECT_EQ(Verify(client(), pk.key, "GET", "/v1/public/catalog").object().at("code"), "VALID");
  EXPECT_TRUE(IsInvalidVerdict(Verify(client(), pk.key, "POST", "/v1/extractions"), "FORBIDDEN"));
}

TEST_F(VerifyTest, SecretKeyPassesEveryRoute) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  EXPECT_EQ(Auth(client(), sk.key, "POST", "/v1/extractions").status, 200);
  EXPECT_EQ(Auth(client(), sk.key, "GET", "/v1/public/catalog").status, 200);
  EXPECT_EQ(Auth(client(), sk.key, "DELETE", "/anything/at/all").status, 200);
}

// --- verifier.allow_from ---------------------------------------------------------------------

class VerifyAllowFromTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = "[verifier]\nallow_from = [\"10.0.0.0/8\"]\n"}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(VerifyAllowFromTest, LoopbackOutsideAllowFromGets404) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  EXPECT_TRUE(IsError(Auth(client(), k.key), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Verify(client(), k.key), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Auth(client(), "garbage"), 404, "NOT_FOUND")) << "no hint that the endpoint exists";
}

TEST_F(VerifyAllowFromTest, AdminKeyHeaderOpensTheVerifier) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  Headers ak = {{"Keyward-Admin-Key", admin()}};
  Response a = Auth(client(), k.key, "GET", "/v1/things", ak);
  EXPECT_EQ(a.status, 200) << Describe(a);
  EXPECT_EQ(a.header("X-Keyward-Token-Id").value_or("<none>"), k.id);
  Response v = Verify(client(), k.key, "GET", "/v1/things", ak);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("code"), "VALID");
}

TEST_F(VerifyAllowFromTest, WrongAdminKeyHeaderStill404) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  EXPECT_TRUE(IsError(Auth(client(), k.key, "GET", "/v1/things", {{"Keyward-Admin-Key", MakeWellFormedKey("ak_")}}),
                      404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Verify(client(), k.key, "GET", "/v1/things", {{"Keyward-Admin-Key", k.key}}), 404, "NOT_FOUND"))
      << "a secret key is not an admin key";
}

TEST_F(VerifyAllowFromTest, ManagementEndpointsStillWork) {
  EXPECT_TRUE(IsOk(client().Get("/v1/accounts", Admin(admin()))));
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace keyward_it
