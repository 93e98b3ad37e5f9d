// API.md 3 (and 1.2, 2.4, 5): short-lived access tokens. POST /v1/token mints an `at_` token from an
// account's key; the token authenticates on protected routes as its parent (account, mode,
// permissions, token id), never manages keys or reads billing, dies with its parent, and is checked
// by a backend with POST /v1/token/verify. The real-time expiry is in access_token_expiry_test.cc.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kAccessTokenConfig = R"toml(
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"

[[route]]
method = "GET"
path = "/v1/public/*"
publishable = true
)toml";

const char* kIsoRegex = R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)";

class AccessTokenTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kAccessTokenConfig}); }
  static void TearDownTestSuite() { StopShared(); }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    account_ = CreateAccount(client(), admin());
    as_admin_ = AdminFor(admin(), account_);
  }

  CreatedKey Restricted(boost::json::array perms, bool livemode = true) {
    return CreateKey(client(), as_admin_,
                     {{"type", "restricted"}, {"permissions", std::move(perms)}, {"livemode", livemode}});
  }

  Response MintRaw(const Headers& auth, const boost::json::value& body) {
    return client().Post("/v1/token", body, auth);
  }

  // The response of /v1/token/verify is exactly {"valid":false}.
  ::testing::AssertionResult IsInvalidCheck(const Response& r) {
    if (r.status != 200) return ::testing::AssertionFailure() << "expected 200, got " << Describe(r);
    auto o = r.object();
    if (Keys(o) != std::set<std::string>{"valid"} || o.at("valid") != false)
      return ::testing::AssertionFailure() << "expected exactly {\"valid\":false}: " << Describe(r);
    return ::testing::AssertionSuccess();
  }

  // The response of /v1/token/verify is exactly {"valid":true,"expires_at":expires_at}.
  ::testing::AssertionResult IsValidCheck(const Response& r, const std::string& expires_at) {
    if (r.status != 200) return ::testing::AssertionFailure() << "expected 200, got " << Describe(r);
    auto o = r.object();
    if (Keys(o) != std::set<std::string>{"valid", "expires_at"})
      return ::testing::AssertionFailure() << "expected exactly {valid, expires_at}: " << Describe(r);
    if (o.at("valid") != true) return ::testing::AssertionFailure() << "valid must be true: " << Describe(r);
    if (o.at("expires_at") != boost::json::value(expires_at))
      return ::testing::AssertionFailure() << "expires_at must be the minted " << expires_at << ": " << Describe(r);
    return ::testing::AssertionSuccess();
  }

  // Expects /v1/token to answer with an expires_at `minutes` from now (a few seconds either way).
  void ExpectMintedFor(const Response& r, int64_t before, int64_t minutes) {
    ASSERT_TRUE(IsOk(r));
    auto o = r.object();
    EXPECT_EQ(Keys(o), (std::set<std::string>{"object", "access_token", "expires_at"})) << Describe(r);
    ASSERT_TRUE(o.contains("expires_at") && o.at("expires_at").is_string()) << Describe(r);
    auto at = ParseIsoUtc(AsString(o.at("expires_at")));
    ASSERT_TRUE(at.has_value()) << "expires_at is not YYYY-MM-DDTHH:MM:SSZ: " << Describe(r);
    EXPECT_GE(*at, before + minutes * 60 - 5) << Describe(r);
    EXPECT_LE(*at, Now() + minutes * 60 + 5) << Describe(r);
  }

  std::string account_;
  Headers as_admin_;
};

// --- minting ---------------------------------------------------------------------------------

TEST_F(AccessTokenTest, MintWithSecretKeyHasExactShape) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  for (const Headers& auth : {ApiKey(sk.key), Bearer(sk.key)}) {
    int64_t before = Now();
    Response r = MintRaw(auth, {{"expiry_minutes", 5}});
    ASSERT_TRUE(IsOk(r));
    auto ct = r.header("Content-Type");
    EXPECT_TRUE(ct && ct->find("application/json") != std::string::npos) << Describe(r);
    auto o = r.object();
    EXPECT_EQ(Keys(o), (std::set<std::string>{"object", "access_token", "expires_at"})) << Describe(r);
    EXPECT_EQ(o.at("object"), "access_token");
    std::string token = AsString(o.at("access_token"));
    EXPECT_TRUE(Matches(token, "at_[0-9A-Za-z]{38}")) << "at_ + 32 random + 6 checksum: " << token.substr(0, 8);
    EXPECT_TRUE(ChecksumValid(token)) << "the access token's checksum is not CRC32/base62";
    std::string expires = AsString(o.at("expires_at"));
    EXPECT_TRUE(Matches(expires, kIsoRegex)) << expires;
    ExpectMintedFor(r, before, 5);
    EXPECT_TRUE(r.has_header("X-Request-Id"));
    EXPECT_EQ(r.body.find(sk.key), std::string::npos) << "the parent key is not echoed";
  }
}

TEST_F(AccessTokenTest, EachMintIsANewToken) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  std::set<std::string> tokens;
  for (int i = 0; i < 4; ++i) {
    MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 10);
    EXPECT_TRUE(tokens.insert(t.token).second) << "minted the same token twice";
    EXPECT_EQ(Auth(client(), t.token).status, 200);
  }
}

TEST_F(AccessTokenTest, ExpiryDefaultsToSixtyMinutes) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  {
    int64_t before = Now();
    ExpectMintedFor(client().Request("POST", "/v1/token", ApiKey(sk.key)), before, 60);  // no body at all
  }
  {
    int64_t before = Now();
    ExpectMintedFor(client().PostRaw("/v1/token", "", ApiKey(sk.key)), before, 60);  // Content-Length: 0
  }
  {
    int64_t before = Now();
    ExpectMintedFor(client().PostRaw("/v1/token", "{}", ApiKey(sk.key)), before, 60);
  }
}

TEST_F(AccessTokenTest, ExpiryBoundsAreInclusive) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  for (int64_t minutes : {1, 2, 30, 59, 60}) {
    int64_t before = Now();
    ExpectMintedFor(MintRaw(ApiKey(sk.key), {{"expiry_minutes", minutes}}), before, minutes);
  }
}

TEST_F(AccessTokenTest, ExpiryOutOfRangeOrWrongTypeIs400) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  const std::vector<boost::json::value> bad = {0, 61, -1, 3600, "5", 1.5, true, boost::json::array{5},
                                               boost::json::object{{"m", 5}}};
  for (const auto& v : bad) {
    EXPECT_TRUE(IsError(MintRaw(ApiKey(sk.key), {{"expiry_minutes", v}}), 400, "INVALID_REQUEST", "expiry_minutes"))
        << "expiry_minutes " << boost::json::serialize(v);
  }
}

TEST_F(AccessTokenTest, UnknownFieldOrMalformedBodyIs400) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  EXPECT_TRUE(IsError(MintRaw(ApiKey(sk.key), {{"expiry_minutes", 5}, {"scope", "all"}}), 400, "INVALID_REQUEST",
                      "scope"));
  EXPECT_TRUE(IsError(MintRaw(ApiKey(sk.key), {{"expires_in", 5}}), 400, "INVALID_REQUEST", "expires_in"));
  EXPECT_TRUE(IsError(client().PostRaw("/v1/token", "{\"expiry_minutes\": 5", ApiKey(sk.key)), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(client().PostRaw("/v1/token", "[5]", ApiKey(sk.key)), 400, "INVALID_REQUEST"));
}

TEST_F(AccessTokenTest, RestrictedKeyMintsOnlyWithTokensWrite) {
  CreatedKey writer = Restricted({"tokens:write", "reports:read"});
  MintedToken t = MintAccessToken(client(), ApiKey(writer.key), 5);
  EXPECT_EQ(Auth(client(), t.token).status, 200);

  CreatedKey wildcard = Restricted({"tokens:*"});
  EXPECT_TRUE(IsOk(MintRaw(ApiKey(wildcard.key), {{"expiry_minutes", 5}})));

  CreatedKey reader = Restricted({"tokens:read", "reports:read"});
  EXPECT_TRUE(IsError(MintRaw(ApiKey(reader.key), {{"expiry_minutes", 5}}), 403, "FORBIDDEN"));
  CreatedKey other = Restricted({"extractions:write"});
  EXPECT_TRUE(IsError(MintRaw(Bearer(other.key), {{"expiry_minutes", 5}}), 403, "FORBIDDEN"));
}

TEST_F(AccessTokenTest, PublishableKeyCannotMint) {
  CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}});
  EXPECT_TRUE(IsError(MintRaw(ApiKey(pk.key), {{"expiry_minutes", 5}}), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Request("POST", "/v1/token", Bearer(pk.key)), 403, "FORBIDDEN"));
}

TEST_F(AccessTokenTest, AccessTokenCannotMint) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  EXPECT_TRUE(IsError(MintRaw(ApiKey(t.token), {{"expiry_minutes", 5}}), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(MintRaw(Bearer(t.token), boost::json::object{}), 403, "FORBIDDEN"));
}

TEST_F(AccessTokenTest, AdminKeyCannotMint) {
  // Access tokens are minted from an account's key, not by the operator.
  EXPECT_TRUE(IsError(MintRaw(as_admin_, {{"expiry_minutes", 5}}), 403, "FORBIDDEN"));
  Response bare = MintRaw(Admin(admin()), {{"expiry_minutes", 5}});
  EXPECT_GE(bare.status, 400) << Describe(bare);
  EXPECT_LT(bare.status, 500) << Describe(bare);
}

TEST_F(AccessTokenTest, MintWithoutOrWithABadCredentialIs401) {
  EXPECT_TRUE(IsError(MintRaw({}, {{"expiry_minutes", 5}}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(MintRaw(ApiKey("garbage"), {{"expiry_minutes", 5}}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(MintRaw(ApiKey(MakeWellFormedKey("sk_live_")), {{"expiry_minutes", 5}}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(MintRaw(ApiKey(MakeWellFormedKey("at_")), {{"expiry_minutes", 5}}), 401, "UNAUTHORIZED"));
  CreatedKey revoked = CreateKey(client(), as_admin_);
  RevokeKey(client(), as_admin_, revoked.id);
  EXPECT_TRUE(IsError(MintRaw(ApiKey(revoked.key), {{"expiry_minutes", 5}}), 401, "UNAUTHORIZED"));
}

// --- using the token -------------------------------------------------------------------------

TEST_F(AccessTokenTest, TokenAuthenticatesAsItsSecretParent) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  for (const Headers& cred : {ApiKey(t.token), Bearer(t.token)}) {
    Response r = client().Get("/v1/auth", Join(cred, {{"X-Original-Method", "GET"}, {"X-Original-URI", "/v1/things"}}));
    ASSERT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(r.header("X-Keyward-Account").value_or("<none>"), account_);
    EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), sk.id) << "the parent key's id";
    EXPECT_EQ(r.header("X-Keyward-Permissions").value_or("<none>"), "*") << "a secret parent grants everything";
    EXPECT_TRUE(HeaderTrue(r.header("X-Keyward-Livemode"))) << Describe(r);
    EXPECT_TRUE(HeaderFalse(r.header("X-Keyward-Sandbox"))) << Describe(r);
    EXPECT_TRUE(r.has_header("X-RateLimit-Limit")) << Describe(r);
  }
  // Every protected route, as its secret parent could.
  EXPECT_EQ(Auth(client(), t.token, "POST", "/v1/extractions").status, 200);
  EXPECT_EQ(Auth(client(), t.token, "GET", "/v1/public/catalog").status, 200);
  EXPECT_EQ(client().Request("POST", "/v1/auth/v1/extractions", ApiKey(t.token)).status, 200) << "Envoy style";
}

TEST_F(AccessTokenTest, TokenCarriesItsRestrictedParentsPermissions) {
  CreatedKey without = Restricted({"tokens:write", "reports:read"});
  MintedToken t = MintAccessToken(client(), ApiKey(without.key), 5);
  Response r = Auth(client(), t.token);
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(PermissionSet(r.header("X-Keyward-Permissions").value_or("")),
            (std::set<std::string>{"tokens:write", "reports:read"}))
      << Describe(r);
  EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), without.id);
  EXPECT_EQ(r.header("X-Keyward-Account").value_or("<none>"), account_);
  Response refused = Auth(client(), t.token, "POST", "/v1/extractions");
  EXPECT_TRUE(IsError(refused, 403, "FORBIDDEN")) << "the parent lacks extractions:write";
  EXPECT_TRUE(refused.has_header("X-RateLimit-Limit")) << Describe(refused);
  EXPECT_EQ(Auth(client(), t.token, "GET", "/v1/extractions").status, 200) << "the route is POST only";

  CreatedKey with = Restricted({"tokens:write", "extractions:write"});
  MintedToken t2 = MintAccessToken(client(), Bearer(with.key), 5);
  EXPECT_EQ(Auth(client(), t2.token, "POST", "/v1/extractions").status, 200);
  CreatedKey wildcard = Restricted({"tokens:write", "extractions:*"});
  EXPECT_EQ(Auth(client(), MintAccessToken(client(), ApiKey(wildcard.key), 5).token, "POST", "/v1/extractions").status,
            200);
}

TEST_F(AccessTokenTest, TokenFromTestModeKeyIsTestMode) {
  CreatedKey test = CreateKey(client(), as_admin_, {{"livemode", false}});
  MintedToken t = MintAccessToken(client(), ApiKey(test.key), 5);
  EXPECT_TRUE(Matches(t.token, "at_[0-9A-Za-z]{38}")) << "access tokens have no env part: " << t.token.substr(0, 8);
  Response r = Auth(client(), t.token);
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_TRUE(HeaderFalse(r.header("X-Keyward-Livemode"))) << Describe(r);
  EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), test.id);
  Response v = Verify(client(), t.token);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("token").at("livemode"), false) << Describe(v);
}

TEST_F(AccessTokenTest, KeysVerifyReportsTheParentsIdentity) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  Response parent = Verify(client(), sk.key);
  ASSERT_TRUE(IsOk(parent));
  Response r = Verify(client(), t.token, "POST", "/v1/extractions");
  ASSERT_TRUE(IsOk(r));
  auto o = r.object();
  EXPECT_EQ(o.at("valid"), true) << Describe(r);
  EXPECT_EQ(o.at("code"), "VALID") << Describe(r);
  ASSERT_TRUE(o.contains("token") && o.at("token").is_object()) << Describe(r);
  const auto& tok = o.at("token").as_object();
  const boost::json::object parent_verdict = parent.object();
  const auto& ptok = parent_verdict.at("token").as_object();
  EXPECT_EQ(AsString(tok.at("account")), account_);
  EXPECT_EQ(tok.at("livemode"), true);
  EXPECT_EQ(tok.at("sandbox"), false);
  EXPECT_EQ(tok.at("permissions"), ptok.at("permissions")) << "the parent's permissions";
  EXPECT_EQ(AsString(tok.at("id")), sk.id) << "the same identity as X-Keyward-Token-Id of /v1/auth";
  EXPECT_EQ(r.body.find(t.token), std::string::npos) << "the verdict does not echo the token";

  CreatedKey rk = Restricted({"tokens:write", "reports:read"});
  Response rv = Verify(client(), MintAccessToken(client(), ApiKey(rk.key), 5).token);
  ASSERT_TRUE(IsOk(rv));
  auto perms = StringList(rv.object().at("token").at("permissions"));
  EXPECT_EQ(std::set<std::string>(perms.begin(), perms.end()), (std::set<std::string>{"tokens:write", "reports:read"}));
  EXPECT_EQ(rv.object().at("code"), "VALID");
  EXPECT_EQ(Verify(client(), MintAccessToken(client(), ApiKey(rk.key), 5).token, "POST", "/v1/extractions")
                .object()
                .at("code"),
            "FORBIDDEN");
}

TEST_F(AccessTokenTest, UnknownOrTamperedAccessTokenIs401) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  EXPECT_TRUE(IsError(Auth(client(), MakeWellFormedKey("at_")), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Auth(client(), FlipChar(t.token, 10)), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Auth(client(), t.token.substr(0, t.token.size() - 1)), 401, "UNAUTHORIZED"));
  EXPECT_EQ(Auth(client(), t.token).status, 200);
}

// --- what an access token may not do ------------------------------------------------------------

TEST_F(AccessTokenTest, AccessTokenIsForbiddenOnManagementAndBilling) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  CreatedKey victim = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  for (const Headers& auth : {ApiKey(t.token), Bearer(t.token)}) {
    EXPECT_TRUE(IsError(client().Post("/v1/token", {{"expiry_minutes", 5}}, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/tokens", auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "from at"}}, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + victim.id, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/revoke", boost::json::object{}, auth), 403,
                        "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/roll", boost::json::object{}, auth), 403,
                        "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/credits", auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(client().Get("/v1/accounts", auth), 403, "FORBIDDEN")) << "API.md 7";
  }
  // Nothing happened to the keys, and the token itself still works.
  EXPECT_EQ(Auth(client(), victim.key).status, 200);
  EXPECT_EQ(Auth(client(), sk.key).status, 200);
  EXPECT_EQ(Auth(client(), t.token).status, 200);
}

TEST_F(AccessTokenTest, TokenOfARestrictedParentWithTokensReadStillCannotList) {
  CreatedKey rk = Restricted({"tokens:write", "tokens:read", "billing:read"});
  EXPECT_TRUE(IsOk(client().Get("/v1/tokens", ApiKey(rk.key)))) << "the parent itself may list";
  MintedToken t = MintAccessToken(client(), ApiKey(rk.key), 5);
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(t.token)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + rk.id, ApiKey(t.token)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/credits", ApiKey(t.token)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/token", {{"expiry_minutes", 5}}, ApiKey(t.token)), 403, "FORBIDDEN"));
}

// --- the parent's lifecycle ---------------------------------------------------------------------

TEST_F(AccessTokenTest, RevokingTheParentKillsTheTokenAtOnce) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  CreatedKey checker = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 30);
  MintedToken t2 = MintAccessToken(client(), ApiKey(sk.key), 30);
  ASSERT_EQ(Auth(client(), t.token).status, 200);
  RevokeKey(client(), as_admin_, sk.id);
  Response r = Auth(client(), t.token);
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED")) << "the very next request after the revoke response";
  EXPECT_FALSE(r.has_header("X-Keyward-Account"));
  EXPECT_TRUE(IsError(client().Get("/v1/auth", Bearer(t2.token)), 401, "UNAUTHORIZED")) << "every token of the parent";
  Response v = Verify(client(), t.token);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("valid"), false) << Describe(v);
  EXPECT_EQ(v.object().at("code"), "UNAUTHORIZED") << Describe(v);
  EXPECT_TRUE(IsInvalidCheck(CheckAccessToken(client(), ApiKey(checker.key), t.token)));
  EXPECT_EQ(Auth(client(), checker.key).status, 200) << "other keys are untouched";
}

TEST_F(AccessTokenTest, RevokingOneParentLeavesOtherParentsTokens) {
  CreatedKey a = CreateKey(client(), as_admin_);
  CreatedKey b = CreateKey(client(), as_admin_);
  MintedToken ta = MintAccessToken(client(), ApiKey(a.key), 30);
  MintedToken tb = MintAccessToken(client(), ApiKey(b.key), 30);
  RevokeKey(client(), as_admin_, a.id);
  EXPECT_EQ(Auth(client(), ta.token).status, 401);
  Response r = Auth(client(), tb.token);
  EXPECT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), b.id);
}

TEST_F(AccessTokenTest, RollingTheParentWithZeroKillsTheToken) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 30);
  ASSERT_EQ(Auth(client(), t.token).status, 200);
  CreatedKey rolled = RollKey(client(), as_admin_, sk.id, 0);
  EXPECT_TRUE(IsError(Auth(client(), t.token), 401, "UNAUTHORIZED"));
  EXPECT_EQ(Auth(client(), rolled.key).status, 200);
  EXPECT_TRUE(IsInvalidCheck(CheckAccessToken(client(), ApiKey(rolled.key), t.token)));
}

TEST_F(AccessTokenTest, RollingTheParentWithAGracePeriodKeepsTheTokenWorking) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 30);
  CreatedKey rolled = RollKey(client(), as_admin_, sk.id, 3600);
  Response r = Auth(client(), t.token);
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(r.header("X-Keyward-Token-Id").value_or("<none>"), sk.id) << "still the old parent";
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), ApiKey(rolled.key), t.token), t.expires_at));
  // The old key, still in its grace period, may go on minting.
  MintedToken t2 = MintAccessToken(client(), ApiKey(sk.key), 5);
  EXPECT_EQ(Auth(client(), t2.token).status, 200);
}

TEST_F(AccessTokenTest, ExpiryOfTheParentKillsTheToken) {
  int64_t parent_expiry = Now() + 4;
  CreatedKey sk = CreateKey(client(), as_admin_, {{"expires_at", parent_expiry}});
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 30);
  ASSERT_EQ(Auth(client(), t.token).status, 200);
  Response last;
  bool dead = PollUntil(
      [&] {
        last = Auth(client(), t.token);
        return last.status != 200;
      },
      std::chrono::seconds(20));
  ASSERT_TRUE(dead) << "the token outlived its parent by 16 s: " << Describe(last);
  EXPECT_GE(Now(), parent_expiry - 1) << "refused before the parent expired: " << Describe(last);
  EXPECT_TRUE(IsError(last, 401, "UNAUTHORIZED")) << "the parent is gone, so the token is unknown/revoked";
  EXPECT_EQ(Auth(client(), sk.key).status, 401);
}

// --- POST /v1/token/verify ----------------------------------------------------------------------

TEST_F(AccessTokenTest, TokenVerifyWithAKeyOfTheSameAccount) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  CreatedKey backend = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 7);
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), ApiKey(sk.key), t.token), t.expires_at)) << "the minting key";
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), ApiKey(backend.key), t.token), t.expires_at)) << "another key";
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), Bearer(backend.key), t.token), t.expires_at)) << "Bearer";
  Response r = CheckAccessToken(client(), ApiKey(backend.key), t.token);
  EXPECT_EQ(r.body.find(t.token), std::string::npos) << "the token is not echoed";
  auto ct = r.header("Content-Type");
  EXPECT_TRUE(ct && ct->find("application/json") != std::string::npos) << Describe(r);
  // Checking does not use the token up.
  EXPECT_EQ(Auth(client(), t.token).status, 200);
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), ApiKey(backend.key), t.token), t.expires_at));
}

TEST_F(AccessTokenTest, TokenVerifyWithAnAdminKeyIsValid) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), Admin(admin()), t.token), t.expires_at));
  EXPECT_TRUE(IsValidCheck(CheckAccessToken(client(), as_admin_, t.token), t.expires_at)) << "with Keyward-Account";
}

TEST_F(AccessTokenTest, TokenVerifyWithAnotherAccountsKeyIsInvalid) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  std::string other = CreateAccount(client(), admin());
  CreatedKey theirs = CreateKey(client(), AdminFor(admin(), other));
  EXPECT_TRUE(IsInvalidCheck(CheckAccessToken(client(), ApiKey(theirs.key), t.token)));
  EXPECT_EQ(Auth(client(), t.token).status, 200) << "the token is still fine for its own account";
}

TEST_F(AccessTokenTest, TokenVerifyOfUnknownOrGarbageTokensIsInvalid) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  for (const std::string& token : {MakeWellFormedKey("at_"), FlipChar(t.token, 10), std::string("at_"),
                                   std::string("hello"), std::string(300, 'a'), sk.key}) {
    EXPECT_TRUE(IsInvalidCheck(CheckAccessToken(client(), ApiKey(sk.key), token))) << token.substr(0, 12);
  }
}

TEST_F(AccessTokenTest, TokenVerifyBodyIsValidated) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  Headers h = ApiKey(sk.key);
  EXPECT_TRUE(IsError(client().Post("/v1/token/verify", boost::json::object{}, h), 400, "INVALID_REQUEST",
                      "access_token"));
  EXPECT_TRUE(IsError(client().Request("POST", "/v1/token/verify", h), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(client().Post("/v1/token/verify", {{"access_token", 5}}, h), 400, "INVALID_REQUEST",
                      "access_token"));
  EXPECT_TRUE(IsError(client().Post("/v1/token/verify", {{"access_token", nullptr}}, h), 400, "INVALID_REQUEST",
                      "access_token"));
  EXPECT_TRUE(IsError(client().Post("/v1/token/verify", {{"access_token", "at_x"}, {"extra", 1}}, h), 400,
                      "INVALID_REQUEST", "extra"));
  EXPECT_TRUE(IsError(client().PostRaw("/v1/token/verify", "{\"access_token\":", h), 400, "INVALID_REQUEST"));
}

TEST_F(AccessTokenTest, TokenVerifyNeedsACredential) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  MintedToken t = MintAccessToken(client(), ApiKey(sk.key), 5);
  EXPECT_TRUE(IsError(CheckAccessToken(client(), {}, t.token), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(CheckAccessToken(client(), ApiKey(MakeWellFormedKey("sk_live_")), t.token), 401, "UNAUTHORIZED"));
}

// --- never listed, never logged -------------------------------------------------------------------

TEST_F(AccessTokenTest, AccessTokensAreNotInTheTokenList) {
  CreatedKey sk = CreateKey(client(), as_admin_, {{"name", "parent"}});
  CreatedKey rk = Restricted({"tokens:write", "tokens:read"});
  std::vector<MintedToken> minted;
  for (int i = 0; i < 3; ++i) minted.push_back(MintAccessToken(client(), ApiKey(sk.key), 5));
  minted.push_back(MintAccessToken(client(), ApiKey(rk.key), 5));

  for (const Headers& auth : {as_admin_, ApiKey(sk.key), ApiKey(rk.key)}) {
    Response r = client().Get("/v1/tokens?limit=100", auth);
    ASSERT_TRUE(IsOk(r));
    auto data = r.object().at("data").as_array();
    std::set<std::string> ids;
    for (const auto& t : data) {
      EXPECT_EQ(t.at("object"), "token") << boost::json::serialize(t);
      ids.insert(AsString(t.at("id")));
    }
    EXPECT_EQ(ids, (std::set<std::string>{sk.id, rk.id})) << "only the two keys: " << Describe(r);
    for (const auto& m : minted) {
      EXPECT_EQ(r.body.find(m.token), std::string::npos) << "an access token in the list";
      EXPECT_EQ(r.body.find(m.token.substr(0, 12)), std::string::npos) << "an access token's prefix in the list";
    }
  }
  Response active = client().Get("/v1/tokens?status=active&limit=100", as_admin_);
  ASSERT_TRUE(IsOk(active));
  EXPECT_EQ(active.object().at("data").as_array().size(), 2u) << Describe(active);
}

TEST(AccessTokenLogTest, AccessTokensAreNeverLoggedOrStoredInPlaintext) {
  KeywardProcess p({.config_toml = kAccessTokenConfig});
  HttpClient c = p.Client();
  std::string account = CreateAccount(c, p.admin_key());
  Headers h = AdminFor(p.admin_key(), account);
  CreatedKey sk = CreateKey(c, h);
  CreatedKey rk = CreateKey(c, h, {{"type", "restricted"}, {"permissions", boost::json::array{"tokens:write"}}});
  std::vector<std::string> tokens;
  for (const Headers& auth : {ApiKey(sk.key), Bearer(sk.key), ApiKey(rk.key)}) {
    tokens.push_back(MintAccessToken(c, auth, 5).token);
  }
  CreatedKey doomed = CreateKey(c, h);
  std::string dead = MintAccessToken(c, ApiKey(doomed.key), 5).token;
  RevokeKey(c, h, doomed.id);
  tokens.push_back(dead);

  for (const auto& t : tokens) {
    Auth(c, t);
    Auth(c, t, "POST", "/v1/extractions");
    c.Get("/v1/auth", Bearer(t));
    Verify(c, t, "POST", "/v1/extractions");
    CheckAccessToken(c, ApiKey(sk.key), t);
    CheckAccessToken(c, Admin(p.admin_key()), t);
    c.Post("/v1/token/verify", {{"access_token", t}, {"bogus", 1}}, ApiKey(sk.key));  // refused body with a token
    c.PostRaw("/v1/token/verify", "{\"access_token\":\"" + t + "\"", ApiKey(sk.key));  // malformed JSON
    c.Post("/v1/token", {{"expiry_minutes", 5}}, ApiKey(t));                             // 403
    c.Get("/v1/tokens", ApiKey(t));
    c.Get("/v1/credits", Bearer(t));
    Auth(c, FlipChar(t, 10));
  }
  auto leaked = [&](const std::string& log) {
    std::string out;
    for (const auto& t : tokens) {
      if (log.find(t) != std::string::npos) out += t.substr(0, 8) + "... ";
      if (log.find(FlipChar(t, 10)) != std::string::npos) out += "(flipped) " + t.substr(0, 8) + "... ";
    }
    return out;
  };
  std::string running = p.ReadLog();
  EXPECT_EQ(leaked(running), "") << "access tokens in the log while running";
  EXPECT_EQ(p.Stop(), 0);
  EXPECT_EQ(leaked(p.ReadLog()), "") << "access tokens in the log after SIGTERM";

  // API.md 3: "Access tokens are stored hashed, like keys": no file of the data dir (the database,
  // its journal/WAL, the log) holds one in plaintext.
  std::error_code ec;
  bool saw_store = false;  // a control: the scan does read the database (it holds display prefixes)
  for (const auto& entry : std::filesystem::recursive_directory_iterator(p.data_dir(), ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    std::string content = os.str();
    if (entry.path().filename() != "keyward.log" && content.find(sk.key.substr(0, 12)) != std::string::npos)
      saw_store = true;
    for (const auto& t : tokens) {
      EXPECT_EQ(content.find(t), std::string::npos)
          << "plaintext access token " << t.substr(0, 8) << "... in " << entry.path().filename();
      EXPECT_EQ(content.find(t.substr(3)), std::string::npos)
          << "the body of access token " << t.substr(0, 8) << "... in " << entry.path().filename();
    }
  }
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(saw_store) << "no file of " << p.data_dir() << " holds the parent key's display prefix";
}

}  // namespace
}  // namespace keyward_it
