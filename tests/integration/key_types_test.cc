// API.md 2.1, 2.3, 2.4, 3, 4: what secret, publishable and restricted keys (and access tokens, the
// sandbox key and admin keys) may do; test-mode keys (`<type>_test_...`, X-Keyward-Livemode: false,
// never charged credits).
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kKeyTypesConfig = R"toml(
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"

[[route]]
method = "GET"
path = "/v1/reports/*"
permission = "reports:read"

[[route]]
method = "GET"
path = "/v1/public/*"
publishable = true
)toml";

class KeyTypeTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kKeyTypesConfig}); }
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

  std::string account_;
  Headers as_admin_;
};

// --- publishable keys ----------------------------------------------------------------------------

TEST_F(KeyTypeTest, PublishableKeyPassesOnlyOnPublishableRoutes) {
  for (bool livemode : {true, false}) {
    SCOPED_TRACE(livemode ? "live" : "test");
    CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}, {"livemode", livemode}});
    Response ok = Auth(client(), pk.key, "GET", "/v1/public/catalog");
    ASSERT_EQ(ok.status, 200) << Describe(ok);
    EXPECT_EQ(ok.header("X-Keyward-Token-Id").value_or("<none>"), pk.id);
    EXPECT_EQ(ok.header("X-Keyward-Account").value_or("<none>"), account_);
    EXPECT_EQ(Auth(client(), pk.key, "GET", "/v1/public/a/b?x=1").status, 200);
    EXPECT_TRUE(IsError(Auth(client(), pk.key, "POST", "/v1/public/catalog"), 403, "FORBIDDEN")) << "GET only";
    EXPECT_TRUE(IsError(Auth(client(), pk.key, "POST", "/v1/extractions"), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Auth(client(), pk.key, "GET", "/v1/reports/q1"), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Auth(client(), pk.key, "GET", "/v1/things"), 403, "FORBIDDEN")) << "unmatched is not publishable";
    EXPECT_EQ(Verify(client(), pk.key, "GET", "/v1/public/catalog").object().at("code"), "VALID");
    EXPECT_EQ(Verify(client(), pk.key, "GET", "/v1/things").object().at("code"), "FORBIDDEN");
  }
}

// --- restricted keys -------------------------------------------------------------------------------

TEST_F(KeyTypeTest, RestrictedKeyNeedsTheRoutesPermission) {
  struct Case {
    std::vector<std::string> perms;
    bool extractions;  // POST /v1/extractions needs extractions:write
    bool reports;      // GET /v1/reports/* needs reports:read
  };
  const std::vector<Case> cases = {
      {{"extractions:write"}, true, false},         // exact
      {{"extractions:*"}, true, false},             // resource wildcard
      {{"*"}, true, true},                          // everything
      {{"reports:read"}, false, true},              // exact, other route
      {{"reports:*", "extractions:write"}, true, true},
      {{"extractions:read"}, false, false},         // same resource, other action
      {{"extraction:write"}, false, false},         // other resource
      {{"tokens:write", "billing:read"}, false, false},
  };
  for (const auto& c : cases) {
    boost::json::array perms;
    std::string label;
    for (const auto& p : c.perms) {
      perms.emplace_back(p);
      label += p + " ";
    }
    SCOPED_TRACE("permissions: " + label);
    CreatedKey rk = Restricted(perms);
    Response e = Auth(client(), rk.key, "POST", "/v1/extractions");
    if (c.extractions) {
      EXPECT_EQ(e.status, 200) << Describe(e);
    } else {
      EXPECT_TRUE(IsError(e, 403, "FORBIDDEN"));
    }
    Response r = Auth(client(), rk.key, "GET", "/v1/reports/2024/q1");
    if (c.reports) {
      EXPECT_EQ(r.status, 200) << Describe(r);
    } else {
      EXPECT_TRUE(IsError(r, 403, "FORBIDDEN"));
    }
    // An unmatched route, and a route without a permission, need none.
    EXPECT_EQ(Auth(client(), rk.key, "GET", "/v1/things").status, 200);
    EXPECT_EQ(Auth(client(), rk.key, "DELETE", "/v2/whatever").status, 200);
    EXPECT_EQ(Auth(client(), rk.key, "GET", "/v1/public/catalog").status, 200);
    // The verdict agrees.
    EXPECT_EQ(Verify(client(), rk.key, "POST", "/v1/extractions").object().at("code"),
              c.extractions ? "VALID" : "FORBIDDEN");
  }
}

TEST_F(KeyTypeTest, RestrictedKeyReportsItsPermissions) {
  CreatedKey rk = Restricted({"reports:*", "extractions:write"});
  Response r = Auth(client(), rk.key, "GET", "/v1/reports/x");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_EQ(PermissionSet(r.header("X-Keyward-Permissions").value_or("")),
            (std::set<std::string>{"reports:*", "extractions:write"}));
  CreatedKey sk = CreateKey(client(), as_admin_);
  EXPECT_EQ(Auth(client(), sk.key).header("X-Keyward-Permissions").value_or("<none>"), "*");
}

TEST_F(KeyTypeTest, RestrictedKeyCannotEscalate) {
  CreatedKey rk = Restricted({"tokens:write", "reports:read"}, /*livemode=*/false);
  Headers h = ApiKey(rk.key);
  CreatedKey sub = CreateKey(client(), h, {{"type", "restricted"}, {"permissions", boost::json::array{"reports:read"}}});
  EXPECT_TRUE(Matches(sub.key, "rk_test_[0-9A-Za-z]{38}")) << "a test-mode creator makes test-mode keys";
  for (const boost::json::array& perms : {boost::json::array{"reports:*"}, boost::json::array{"*"},
                                          boost::json::array{"extractions:write"}, boost::json::array{"tokens:read"},
                                          boost::json::array{"reports:read", "billing:read"}}) {
    EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "esc"}, {"type", "restricted"}, {"permissions", perms}}, h),
                        403, "FORBIDDEN"))
        << boost::json::serialize(perms);
  }
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "esc"}, {"type", "secret"}}, h), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "esc"}, {"type", "publishable"}}, h), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                    {{"name", "esc"},
                                     {"type", "restricted"},
                                     {"permissions", boost::json::array{"reports:read"}},
                                     {"livemode", true}},
                                    h),
                      403, "FORBIDDEN"))
      << "a test-mode key may create only test-mode keys";
}

// --- test mode -------------------------------------------------------------------------------------

TEST_F(KeyTypeTest, TestModeKeysHaveTestPrefixesAndSayLivemodeFalse) {
  struct Kind {
    const char* type;
    const char* prefix;
    const char* uri;  // a route this kind may call
  };
  for (const Kind& k : {Kind{"secret", "sk", "/v1/things"}, Kind{"publishable", "pk", "/v1/public/x"},
                        Kind{"restricted", "rk", "/v1/things"}}) {
    for (bool livemode : {false, true}) {
      SCOPED_TRACE(std::string(k.type) + (livemode ? " live" : " test"));
      boost::json::object body{{"type", k.type}, {"livemode", livemode}};
      if (std::string(k.type) == "restricted") body["permissions"] = boost::json::array{"reports:read"};
      CreatedKey key = CreateKey(client(), as_admin_, body);
      std::string env = livemode ? "_live_" : "_test_";
      EXPECT_TRUE(Matches(key.key, std::string(k.prefix) + env + "[0-9A-Za-z]{38}")) << key.key.substr(0, 12);
      EXPECT_TRUE(ChecksumValid(key.key));
      EXPECT_EQ(key.token.at("livemode"), livemode);
      EXPECT_EQ(AsString(key.token.at("key_prefix")), key.key.substr(0, 12));

      Response a = Auth(client(), key.key, "GET", k.uri);
      ASSERT_EQ(a.status, 200) << Describe(a);
      EXPECT_TRUE(livemode ? HeaderTrue(a.header("X-Keyward-Livemode")) : HeaderFalse(a.header("X-Keyward-Livemode")))
          << Describe(a);
      EXPECT_TRUE(HeaderFalse(a.header("X-Keyward-Sandbox"))) << "a test key is not the sandbox: " << Describe(a);
      EXPECT_EQ(a.header("X-Keyward-Account").value_or("<none>"), account_);

      Response v = Verify(client(), key.key, "GET", k.uri);
      ASSERT_TRUE(IsOk(v));
      EXPECT_EQ(v.object().at("valid"), true) << Describe(v);
      EXPECT_EQ(v.object().at("token").at("livemode"), livemode) << Describe(v);
      EXPECT_EQ(v.object().at("token").at("sandbox"), false) << Describe(v);

      Response got = client().Get("/v1/tokens/" + key.id, as_admin_);
      ASSERT_TRUE(IsOk(got));
      EXPECT_EQ(got.object().at("livemode"), livemode);
    }
  }
}

TEST_F(KeyTypeTest, CreditsViewSaysTheCallersMode) {
  CreatedKey live = CreateKey(client(), as_admin_);
  CreatedKey test = CreateKey(client(), as_admin_, {{"livemode", false}});
  Response l = client().Get("/v1/credits", ApiKey(live.key));
  ASSERT_TRUE(IsOk(l));
  EXPECT_EQ(Keys(l.object()), (std::set<std::string>{"object", "balance", "used", "livemode"})) << Describe(l);
  EXPECT_EQ(l.object().at("object"), "credits");
  EXPECT_EQ(l.object().at("livemode"), true) << Describe(l);
  Response t = client().Get("/v1/credits", ApiKey(test.key));
  ASSERT_TRUE(IsOk(t));
  EXPECT_EQ(t.object().at("livemode"), false) << Describe(t);
}

// --- the matrix -----------------------------------------------------------------------------------

// What each kind of credential may do. 200 or 403 FORBIDDEN; 0 = not asked.
struct Row {
  std::string label;
  Headers auth;       // for the management calls
  std::string key;    // for /v1/auth (empty: not asked)
  int create;         // POST /v1/tokens (a restricted key with tokens:write)
  int list;           // GET /v1/tokens
  int mint;           // POST /v1/token
  int credits;        // GET /v1/credits
  int route;          // POST /v1/extractions via /v1/auth (needs extractions:write, not publishable)
  int public_route;   // GET /v1/public/catalog via /v1/auth (publishable, no permission)
};

TEST_F(KeyTypeTest, WhatEachKeyTypeMayDo) {
  auto restricted = [&](std::vector<std::string> perms, bool livemode = true) {
    boost::json::array a;
    for (auto& p : perms) a.emplace_back(p);
    return Restricted(a, livemode).key;
  };
  std::string sk = CreateKey(client(), as_admin_).key;
  std::string sk_test = CreateKey(client(), as_admin_, {{"livemode", false}}).key;
  std::string pk = CreateKey(client(), as_admin_, {{"type", "publishable"}}).key;
  std::string pk_test = CreateKey(client(), as_admin_, {{"type", "publishable"}, {"livemode", false}}).key;
  std::string rk_none = restricted({"reports:read"});
  std::string rk_read = restricted({"tokens:read"});
  std::string rk_write = restricted({"tokens:write"});
  std::string rk_tokens = restricted({"tokens:*"});
  std::string rk_billing = restricted({"billing:read"});
  std::string rk_extract = restricted({"extractions:write"});
  std::string rk_all = restricted({"*"});
  std::string rk_write_test = restricted({"tokens:write", "tokens:read"}, false);
  std::string at_secret = MintAccessToken(client(), ApiKey(sk), 5).token;
  std::string at_secret_test = MintAccessToken(client(), ApiKey(sk_test), 5).token;
  std::string at_rk_extract = MintAccessToken(client(), ApiKey(restricted({"tokens:write", "extractions:write"})), 5).token;
  std::string at_rk_plain = MintAccessToken(client(), ApiKey(rk_write), 5).token;
  const std::string sandbox = "sandbox-with-json-responses";

  const std::vector<Row> rows = {
      //   label                         auth                    key             crt  list mint cred route pub
      {"secret live", ApiKey(sk), sk, 200, 200, 200, 200, 200, 200},
      {"secret test", ApiKey(sk_test), sk_test, 200, 200, 200, 200, 200, 200},
      {"secret via Bearer", Bearer(sk), sk, 200, 200, 200, 200, 200, 200},
      {"publishable live", ApiKey(pk), pk, 403, 403, 403, 403, 403, 200},
      {"publishable test", ApiKey(pk_test), pk_test, 403, 403, 403, 403, 403, 200},
      {"restricted reports:read", ApiKey(rk_none), rk_none, 403, 403, 403, 403, 403, 200},
      {"restricted tokens:read", ApiKey(rk_read), rk_read, 403, 200, 403, 403, 403, 200},
      {"restricted tokens:write", ApiKey(rk_write), rk_write, 200, 403, 200, 403, 403, 200},
      {"restricted tokens:*", ApiKey(rk_tokens), rk_tokens, 200, 200, 200, 403, 403, 200},
      {"restricted billing:read", ApiKey(rk_billing), rk_billing, 403, 403, 403, 200, 403, 200},
      {"restricted extractions:write", ApiKey(rk_extract), rk_extract, 403, 403, 403, 403, 200, 200},
      {"restricted *", ApiKey(rk_all), rk_all, 200, 200, 200, 200, 200, 200},
      {"restricted test tokens:write+read", ApiKey(rk_write_test), rk_write_test, 200, 200, 200, 403, 403, 200},
      {"access token of a secret key", ApiKey(at_secret), at_secret, 403, 403, 403, 403, 200, 200},
      {"access token via Bearer", Bearer(at_secret), at_secret, 403, 403, 403, 403, 200, 200},
      {"access token of a test secret key", ApiKey(at_secret_test), at_secret_test, 403, 403, 403, 403, 200, 200},
      {"access token of rk tokens:write+extractions:write", ApiKey(at_rk_extract), at_rk_extract, 403, 403, 403, 403,
       200, 200},
      {"access token of rk tokens:write", ApiKey(at_rk_plain), at_rk_plain, 403, 403, 403, 403, 403, 200},
      {"sandbox key", ApiKey(sandbox), sandbox, 403, 403, 403, 403, 200, 200},
      {"admin key + Keyward-Account", as_admin_, "", 200, 200, 403, 200, 0, 0},
  };

  auto expect = [&](const std::string& what, int want, const Response& r) {
    if (want == 0) return;
    if (want == 200) {
      EXPECT_EQ(r.status, 200) << what << ": " << Describe(r);
    } else {
      EXPECT_TRUE(IsError(r, want, "FORBIDDEN")) << what;
    }
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.label);
    expect("POST /v1/tokens", row.create,
           client().Post("/v1/tokens",
                         {{"name", "matrix"}, {"type", "restricted"}, {"permissions", boost::json::array{"tokens:write"}}},
                         row.auth));
    expect("GET /v1/tokens", row.list, client().Get("/v1/tokens", row.auth));
    expect("POST /v1/token", row.mint, client().Post("/v1/token", {{"expiry_minutes", 5}}, row.auth));
    expect("GET /v1/credits", row.credits, client().Get("/v1/credits", row.auth));
    if (!row.key.empty()) {
      expect("POST /v1/extractions", row.route, Auth(client(), row.key, "POST", "/v1/extractions"));
      expect("GET /v1/public/catalog", row.public_route, Auth(client(), row.key, "GET", "/v1/public/catalog"));
    }
  }
}

// --- credits and test mode --------------------------------------------------------------------------

class KeyTypeCreditsTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = "[credits]\ndefault_cost = 1\n"}); }
  static void TearDownTestSuite() { StopShared(); }

  // The account's balance as the operator sees it (admin keys are never charged).
  int64_t Balance(const std::string& account) {
    Response r = client().Get("/v1/accounts/" + account, Admin(admin()));
    if (r.status != 200) throw std::runtime_error("GET account: " + Describe(r));
    return AsInt(r.object().at("credits"));
  }
};

TEST_F(KeyTypeCreditsTest, TestModeKeyIsNeverCharged) {
  std::string account = CreateAccount(client(), admin(), {{"credits", 2}});
  Headers h = AdminFor(admin(), account);
  CreatedKey test = CreateKey(client(), h, {{"livemode", false}});
  CreatedKey live = CreateKey(client(), h);
  ASSERT_EQ(Balance(account), 2);

  for (int i = 0; i < 5; ++i) {
    Response r = Auth(client(), test.key);
    ASSERT_EQ(r.status, 200) << "test-mode request " << i + 1 << ": " << Describe(r);
  }
  Response v = Verify(client(), test.key);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(v.object().at("valid"), true) << Describe(v);
  EXPECT_EQ(AsInt(v.object().at("credits").at("charged")), 0) << Describe(v);
  EXPECT_EQ(Balance(account), 2) << "test-mode requests are never charged";

  // A live key of the same account is charged.
  Response l1 = Verify(client(), live.key);
  ASSERT_TRUE(IsOk(l1));
  EXPECT_EQ(AsInt(l1.object().at("credits").at("charged")), 1) << Describe(l1);
  EXPECT_EQ(AsInt(l1.object().at("credits").at("balance")), 1) << Describe(l1);
  EXPECT_EQ(Auth(client(), live.key).status, 200);
  EXPECT_EQ(Balance(account), 0);
  EXPECT_TRUE(IsError(Auth(client(), live.key), 403, "QUOTA_EXCEEDED"));

  // With the balance at zero, test mode still works (nothing to charge).
  Response t = Auth(client(), test.key);
  EXPECT_EQ(t.status, 200) << "a test-mode key is never charged, so never out of credits: " << Describe(t);
  EXPECT_EQ(Balance(account), 0);
}

TEST_F(KeyTypeCreditsTest, TestModeRestrictedKeyIsNotChargedEither) {
  std::string account = CreateAccount(client(), admin(), {{"credits", 1}});
  Headers h = AdminFor(admin(), account);
  CreatedKey rk = CreateKey(client(), h, {{"type", "restricted"}, {"permissions", boost::json::array{"a:b"}}, {"livemode", false}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Auth(client(), rk.key).status, 200);
  EXPECT_EQ(Balance(account), 1);
}

TEST_F(KeyTypeCreditsTest, AccessTokensAreChargedLikeTheirParent) {
  std::string account = CreateAccount(client(), admin(), {{"credits", 10}});
  Headers h = AdminFor(admin(), account);
  CreatedKey live = CreateKey(client(), h);
  CreatedKey test = CreateKey(client(), h, {{"livemode", false}});
  std::string at_live = MintAccessToken(client(), ApiKey(live.key), 5).token;
  std::string at_test = MintAccessToken(client(), ApiKey(test.key), 5).token;
  int64_t start = Balance(account);  // minting itself is a management call; only the deltas below count
  ASSERT_GE(start, 3);

  for (int i = 0; i < 3; ++i) EXPECT_EQ(Auth(client(), at_test).status, 200);
  EXPECT_EQ(Balance(account), start) << "a test-mode access token is not charged";
  EXPECT_EQ(Auth(client(), at_live).status, 200);
  EXPECT_EQ(Balance(account), start - 1) << "a live access token is charged to its parent's account";
  Response v = Verify(client(), at_live);
  ASSERT_TRUE(IsOk(v));
  EXPECT_EQ(AsInt(v.object().at("credits").at("charged")), 1) << Describe(v);
}

}  // namespace
}  // namespace keyward_it
