// API.md 2.1-2.4: creating, listing, retrieving, revoking and rolling keys; who may do what.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const std::set<std::string> kTokenFields = {"id",          "object",     "name",       "type",    "key_prefix",
                                            "last4",       "permissions", "last_used_at", "expires_at", "livemode",
                                            "created",     "revoked_at", "status",     "account",
                                            "metadata",    "ip_allowlist", "disabled_at"};

std::set<std::string> WithKey(std::set<std::string> s) {
  s.insert("key");
  return s;
}

class TokensTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared(); }
  static void TearDownTestSuite() { StopShared(); }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    account_ = CreateAccount(client(), admin());
    as_admin_ = AdminFor(admin(), account_);
  }

  boost::json::object GetToken(const std::string& id, const Headers& auth) {
    Response r = client().Get("/v1/tokens/" + id, auth);
    if (r.status != 200) throw std::runtime_error("get token: " + Describe(r));
    return r.object();
  }

  std::vector<std::string> ListIds(const std::string& query, const Headers& auth, bool* has_more = nullptr) {
    Response r = client().Get("/v1/tokens" + query, auth);
    if (r.status != 200) throw std::runtime_error("list tokens: " + Describe(r));
    auto o = r.object();
    std::vector<std::string> ids;
    for (const auto& t : o.at("data").as_array()) ids.push_back(AsString(t.at("id")));
    if (has_more) *has_more = o.at("has_more").as_bool();
    return ids;
  }

  std::string account_;
  Headers as_admin_;
};

// Checks every field of a token object against API.md 2.3.
void ExpectTokenShape(const boost::json::object& t, bool with_key) {
  EXPECT_EQ(Keys(t), with_key ? WithKey(kTokenFields) : kTokenFields) << boost::json::serialize(t);
  EXPECT_TRUE(Matches(AsString(t.at("id")), "tok_[0-9A-Za-z]{24}")) << t.at("id");
  EXPECT_EQ(t.at("object"), "token");
  EXPECT_TRUE(t.at("name").is_string());
  EXPECT_TRUE(t.at("type") == "secret" || t.at("type") == "publishable" || t.at("type") == "restricted");
  EXPECT_TRUE(t.at("key_prefix").is_string());
  EXPECT_TRUE(t.at("last4").is_string());
  EXPECT_EQ(t.at("last4").as_string().size(), 4u);
  EXPECT_TRUE(t.at("permissions").is_array());
  EXPECT_TRUE(t.at("last_used_at").is_null() || IsInteger(t.at("last_used_at")));
  EXPECT_TRUE(t.at("expires_at").is_null() || IsInteger(t.at("expires_at")));
  EXPECT_TRUE(t.at("livemode").is_bool());
  EXPECT_TRUE(IsInteger(t.at("created")));
  EXPECT_TRUE(t.at("revoked_at").is_null() || IsInteger(t.at("revoked_at")));
  EXPECT_TRUE(t.at("status") == "active" || t.at("status") == "revoked" || t.at("status") == "expired");
  EXPECT_TRUE(Matches(AsString(t.at("account")), "acct_[0-9A-Za-z]{24}"));
  if (with_key) {
    std::string key = AsString(t.at("key"));
    EXPECT_EQ(AsString(t.at("key_prefix")), key.substr(0, 12));
    EXPECT_EQ(AsString(t.at("last4")), key.substr(key.size() - 4));
    EXPECT_TRUE(ChecksumValid(key)) << "checksum of the issued key is not CRC32/base62: " << key.substr(0, 12);
  }
}

TEST_F(TokensTest, AdminKeyWithAccountHeaderCreatesSecretKeyWithExactShape) {
  int64_t before = Now();
  Response r = client().Post("/v1/tokens", {{"name", "Production API Key"}}, as_admin_);
  ASSERT_TRUE(IsOk(r));
  auto t = r.object();
  ExpectTokenShape(t, true);
  std::string key = AsString(t.at("key"));
  EXPECT_TRUE(Matches(key, "sk_live_[0-9A-Za-z]{38}")) << key.substr(0, 12);
  EXPECT_EQ(t.at("name"), "Production API Key");
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_EQ(t.at("permissions"), boost::json::array{});
  EXPECT_TRUE(t.at("last_used_at").is_null());
  EXPECT_TRUE(t.at("expires_at").is_null());
  EXPECT_EQ(t.at("livemode"), true);
  EXPECT_GE(AsInt(t.at("created")), before - 5);
  EXPECT_LE(AsInt(t.at("created")), Now() + 5);
  EXPECT_TRUE(t.at("revoked_at").is_null());
  EXPECT_EQ(t.at("status"), "active");
  EXPECT_EQ(AsString(t.at("account")), account_);
  EXPECT_TRUE(IsOk(Auth(client(), key)));
}

TEST_F(TokensTest, CreatesPublishableAndRestrictedKeys) {
  CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}});
  ExpectTokenShape(pk.token, true);
  EXPECT_TRUE(Matches(pk.key, "pk_live_[0-9A-Za-z]{38}")) << pk.key.substr(0, 12);
  EXPECT_EQ(pk.token.at("type"), "publishable");
  EXPECT_EQ(pk.token.at("permissions"), boost::json::array{});

  CreatedKey rk = CreateKey(client(), as_admin_,
                            {{"type", "restricted"}, {"permissions", boost::json::array{"extractions:write", "tokens:read"}}});
  ExpectTokenShape(rk.token, true);
  EXPECT_TRUE(Matches(rk.key, "rk_live_[0-9A-Za-z]{38}")) << rk.key.substr(0, 12);
  EXPECT_EQ(rk.token.at("type"), "restricted");
  auto perms = StringList(rk.token.at("permissions"));
  EXPECT_EQ(std::set<std::string>(perms.begin(), perms.end()),
            (std::set<std::string>{"extractions:write", "tokens:read"}));
}

TEST_F(TokensTest, KeysAreDistinct) {
  std::set<std::string> keys, ids;
  for (int i = 0; i < 5; ++i) {
    CreatedKey k = CreateKey(client(), as_admin_);
    EXPECT_TRUE(keys.insert(k.key).second);
    EXPECT_TRUE(ids.insert(k.id).second);
  }
}

TEST_F(TokensTest, SecretKeyOfTheAccountManagesTokens) {
  CreatedKey sk = CreateKey(client(), as_admin_);
  for (const Headers& auth : {ApiKey(sk.key), Bearer(sk.key)}) {
    CreatedKey k = CreateKey(client(), auth, {{"name", "made by sk"}});
    EXPECT_EQ(AsString(k.token.at("account")), account_);
    EXPECT_EQ(k.token.at("livemode"), true);
    EXPECT_TRUE(IsOk(client().Get("/v1/tokens", auth)));
    EXPECT_TRUE(IsOk(client().Get("/v1/tokens/" + k.id, auth)));
    EXPECT_TRUE(IsOk(client().Post("/v1/tokens/" + k.id + "/revoke", boost::json::object{}, auth)));
  }
}

TEST_F(TokensTest, RetrieveHasNoKey) {
  CreatedKey k = CreateKey(client(), as_admin_, {{"name", "retrieve me"}});
  Response r = client().Get("/v1/tokens/" + k.id, as_admin_);
  ASSERT_TRUE(IsOk(r));
  auto t = r.object();
  ExpectTokenShape(t, false);
  EXPECT_EQ(r.body.find(k.key), std::string::npos);
  boost::json::object expected = k.token;
  expected.erase("key");
  expected.erase("last_used_at");
  t.erase("last_used_at");
  EXPECT_EQ(t, expected);
}

TEST_F(TokensTest, ListIsNewestFirstWithLimitStartingAfterAndHasMore) {
  std::vector<std::string> ids;  // oldest first
  for (int i = 0; i < 5; ++i) ids.push_back(CreateKey(client(), as_admin_, {{"name", "k" + std::to_string(i)}}).id);

  Response all = client().Get("/v1/tokens", as_admin_);
  ASSERT_TRUE(IsOk(all));
  auto o = all.object();
  EXPECT_EQ(Keys(o), (std::set<std::string>{"object", "data", "has_more"})) << Describe(all);
  EXPECT_EQ(o.at("object"), "list");
  EXPECT_EQ(o.at("has_more"), false);
  const auto& data = o.at("data").as_array();
  ASSERT_EQ(data.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(AsString(data[i].at("id")), ids[4 - i]) << "position " << i;
    ExpectTokenShape(data[i].as_object(), false);
  }
  EXPECT_EQ(all.body.find("\"key\""), std::string::npos) << "a list never carries a key";

  bool more = false;
  EXPECT_EQ(ListIds("?limit=2", as_admin_, &more), (std::vector<std::string>{ids[4], ids[3]}));
  EXPECT_TRUE(more);
  EXPECT_EQ(ListIds("?limit=2&starting_after=" + ids[3], as_admin_, &more), (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_TRUE(more);
  EXPECT_EQ(ListIds("?limit=2&starting_after=" + ids[1], as_admin_, &more), (std::vector<std::string>{ids[0]}));
  EXPECT_FALSE(more);
  EXPECT_EQ(ListIds("?limit=5", as_admin_, &more).size(), 5u);
  EXPECT_FALSE(more);
}

TEST_F(TokensTest, ListDefaultsToTen) {
  for (int i = 0; i < 11; ++i) CreateKey(client(), as_admin_);
  bool more = false;
  EXPECT_EQ(ListIds("", as_admin_, &more).size(), 10u);
  EXPECT_TRUE(more);
}

TEST_F(TokensTest, ListStatusActiveLeavesOutRevokedKeys) {
  CreatedKey a = CreateKey(client(), as_admin_);
  CreatedKey b = CreateKey(client(), as_admin_);
  CreatedKey c = CreateKey(client(), as_admin_);
  RevokeKey(client(), as_admin_, b.id);
  EXPECT_EQ(ListIds("?status=active", as_admin_), (std::vector<std::string>{c.id, a.id}));
  EXPECT_EQ(ListIds("", as_admin_), (std::vector<std::string>{c.id, b.id, a.id}));
  auto t = GetToken(b.id, as_admin_);
  EXPECT_EQ(t.at("status"), "revoked");
}

TEST_F(TokensTest, RevokeMakesTheKeyUnauthorizedAtOnce) {
  CreatedKey k = CreateKey(client(), as_admin_);
  ASSERT_TRUE(IsOk(Auth(client(), k.key)));
  int64_t before = Now();
  Response r = client().Post("/v1/tokens/" + k.id + "/revoke", boost::json::object{}, as_admin_);
  ASSERT_TRUE(IsOk(r));
  auto t = r.object();
  ExpectTokenShape(t, false);
  EXPECT_EQ(t.at("status"), "revoked");
  ASSERT_TRUE(IsInteger(t.at("revoked_at"))) << Describe(r);
  EXPECT_GE(AsInt(t.at("revoked_at")), before - 5);
  EXPECT_LE(AsInt(t.at("revoked_at")), Now() + 5);
  Response a = Auth(client(), k.key);
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
  EXPECT_EQ(a.header("WWW-Authenticate").value_or("<none>"), "Bearer realm=\"keyward\", error=\"invalid_token\"");
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(k.key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensTest, RollWithZeroRevokesTheOldKeyAtOnce) {
  CreatedKey old = CreateKey(client(), as_admin_,
                             {{"name", "rolled"}, {"type", "restricted"}, {"permissions", boost::json::array{"a:b", "c:*"}}});
  ASSERT_TRUE(IsOk(Auth(client(), old.key)));
  Response r = client().Post("/v1/tokens/" + old.id + "/roll", {{"expires_in_seconds", 0}}, as_admin_);
  ASSERT_TRUE(IsOk(r));
  auto t = r.object();
  ExpectTokenShape(t, true);
  std::string new_key = AsString(t.at("key"));
  EXPECT_NE(AsString(t.at("id")), old.id);
  EXPECT_NE(new_key, old.key);
  EXPECT_TRUE(Matches(new_key, "rk_live_[0-9A-Za-z]{38}"));
  EXPECT_EQ(t.at("name"), "rolled");
  EXPECT_EQ(t.at("type"), "restricted");
  EXPECT_EQ(t.at("permissions"), old.token.at("permissions"));
  EXPECT_EQ(t.at("livemode"), old.token.at("livemode"));
  EXPECT_EQ(t.at("expires_at"), old.token.at("expires_at"));
  EXPECT_EQ(t.at("status"), "active");

  EXPECT_TRUE(IsError(Auth(client(), old.key), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsOk(Auth(client(), new_key)));
  EXPECT_EQ(GetToken(old.id, as_admin_).at("status"), "revoked");
}

TEST_F(TokensTest, RollDefaultsToZero) {
  CreatedKey old = CreateKey(client(), as_admin_);
  CreatedKey rolled = RollKey(client(), as_admin_, old.id, std::nullopt);
  EXPECT_TRUE(IsError(Auth(client(), old.key), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsOk(Auth(client(), rolled.key)));
}

TEST_F(TokensTest, RollWithGracePeriodKeepsBothKeysValid) {
  CreatedKey old = CreateKey(client(), as_admin_, {{"name", "graceful"}});
  int64_t before = Now();
  CreatedKey rolled = RollKey(client(), as_admin_, old.id, 3600);
  int64_t after = Now();
  EXPECT_EQ(rolled.token.at("name"), "graceful");
  EXPECT_EQ(rolled.token.at("type"), "secret");
  EXPECT_TRUE(rolled.token.at("expires_at").is_null()) << "the new key keeps the old expiry (none)";
  EXPECT_TRUE(IsOk(Auth(client(), old.key)));
  EXPECT_TRUE(IsOk(Auth(client(), rolled.key)));
  auto t = GetToken(old.id, as_admin_);
  ASSERT_TRUE(IsInteger(t.at("expires_at"))) << boost::json::serialize(t);
  EXPECT_GE(AsInt(t.at("expires_at")), before + 3600 - 5);
  EXPECT_LE(AsInt(t.at("expires_at")), after + 3600 + 5);
  EXPECT_EQ(t.at("status"), "active");
}

TEST_F(TokensTest, RollExpiresInSecondsOutOfRangeIs400) {
  CreatedKey old = CreateKey(client(), as_admin_);
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + old.id + "/roll", {{"expires_in_seconds", 604801}}, as_admin_),
                      400, "INVALID_REQUEST", "expires_in_seconds"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + old.id + "/roll", {{"expires_in_seconds", -1}}, as_admin_), 400,
                      "INVALID_REQUEST", "expires_in_seconds"));
  EXPECT_TRUE(IsOk(Auth(client(), old.key))) << "a refused roll leaves the key alone";
  EXPECT_EQ(ListIds("", as_admin_).size(), 1u);
}

TEST_F(TokensTest, FutureExpiresAtIsEchoed) {
  int64_t at = Now() + 86400;
  CreatedKey k = CreateKey(client(), as_admin_, {{"expires_at", at}});
  EXPECT_EQ(AsInt(k.token.at("expires_at")), at);
  CreatedKey n = CreateKey(client(), as_admin_, {{"expires_at", nullptr}});
  EXPECT_TRUE(n.token.at("expires_at").is_null());
}

TEST_F(TokensTest, ExpiresAtInThePastIs400) {
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"expires_at", Now() - 10}}, as_admin_), 400,
                      "INVALID_REQUEST", "expires_at"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"expires_at", 1}}, as_admin_), 400,
                      "INVALID_REQUEST", "expires_at"));
}

TEST_F(TokensTest, KeyIsRefusedOnceItsExpiresAtPasses) {
  int64_t at = Now() + 3;
  CreatedKey k = CreateKey(client(), as_admin_, {{"expires_at", at}});
  EXPECT_TRUE(IsOk(Auth(client(), k.key))) << "valid before expires_at";
  Response last;
  bool refused = PollUntil(
      [&] {
        last = Auth(client(), k.key);
        return last.status != 200;
      },
      std::chrono::seconds(15));
  ASSERT_TRUE(refused) << "still accepted well after expires_at: " << Describe(last);
  EXPECT_GE(Now(), at) << "refused before expires_at";
  EXPECT_TRUE(IsError(last, 401, "UNAUTHORIZED"));
  EXPECT_EQ(GetToken(k.id, as_admin_).at("status"), "expired");
  EXPECT_EQ(ListIds("?status=active", as_admin_).size(), 0u);
}

TEST_F(TokensTest, RestrictedWithoutPermissionsIs400) {
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"type", "restricted"}}, as_admin_), 400,
                      "INVALID_REQUEST", "permissions"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                    {{"name", "x"}, {"type", "restricted"}, {"permissions", boost::json::array{}}},
                                    as_admin_),
                      400, "INVALID_REQUEST", "permissions"));
}

TEST_F(TokensTest, PermissionsOnSecretOrPublishableAre400) {
  EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                    {{"name", "x"}, {"type", "secret"}, {"permissions", boost::json::array{"a:b"}}},
                                    as_admin_),
                      400, "INVALID_REQUEST", "permissions"));
  EXPECT_TRUE(IsError(
      client().Post("/v1/tokens", {{"name", "x"}, {"permissions", boost::json::array{"a:b"}}}, as_admin_), 400,
      "INVALID_REQUEST", "permissions"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                    {{"name", "x"}, {"type", "publishable"}, {"permissions", boost::json::array{"a:b"}}},
                                    as_admin_),
                      400, "INVALID_REQUEST", "permissions"));
}

TEST_F(TokensTest, InvalidPermissionStringIs400) {
  for (const char* bad : {"tokens", "Tokens:read", "tokens:", ":read", "tokens read", "tokens:read:all", "tok ens:x",
                          "a:B"}) {
    EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                      {{"name", "x"}, {"type", "restricted"}, {"permissions", boost::json::array{bad}}},
                                      as_admin_),
                        400, "INVALID_REQUEST", "permissions"))
        << "permission " << bad;
  }
  EXPECT_TRUE(IsError(client().Post("/v1/tokens",
                                    {{"name", "x"}, {"type", "restricted"}, {"permissions", boost::json::array{1}}},
                                    as_admin_),
                      400, "INVALID_REQUEST", "permissions"));
  // The whole grammar is accepted.
  CreatedKey ok = CreateKey(
      client(), as_admin_,
      {{"type", "restricted"}, {"permissions", boost::json::array{"a-b_c.d:e-f_g.h", "x:*", "*", "tokens:read"}}});
  EXPECT_EQ(ok.token.at("permissions").as_array().size(), 4u);
}

TEST_F(TokensTest, RestrictedKeyWithTokensWriteCreatesOnlyASubset) {
  CreatedKey rk = CreateKey(client(), as_admin_,
                            {{"type", "restricted"},
                             {"permissions", boost::json::array{"tokens:write", "tokens:read", "extractions:write", "reports:*"}}});
  Headers auth = ApiKey(rk.key);
  CreatedKey sub = CreateKey(client(), auth, {{"type", "restricted"}, {"permissions", boost::json::array{"extractions:write"}}});
  EXPECT_EQ(sub.token.at("type"), "restricted");
  EXPECT_EQ(AsString(sub.token.at("account")), account_);
  CreateKey(client(), auth, {{"type", "restricted"}, {"permissions", boost::json::array{"reports:read"}}});
  CreateKey(client(), auth, {{"type", "restricted"}, {"permissions", boost::json::array{"reports:*", "tokens:read"}}});

  auto refused = [&](boost::json::object body) {
    body["name"] = "escalation";
    return client().Post("/v1/tokens", body, auth);
  };
  EXPECT_TRUE(IsError(refused({{"type", "restricted"}, {"permissions", boost::json::array{"billing:read"}}}), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(refused({{"type", "restricted"}, {"permissions", boost::json::array{"extractions:*"}}}), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(refused({{"type", "restricted"}, {"permissions", boost::json::array{"*"}}}), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(refused({{"type", "restricted"}, {"permissions", boost::json::array{"extractions:write", "x:y"}}}),
                      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(refused({{"type", "secret"}}), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(refused(boost::json::object{}), 403, "FORBIDDEN")) << "default type is secret";
  EXPECT_TRUE(IsError(refused({{"type", "publishable"}}), 403, "FORBIDDEN"));
  EXPECT_EQ(ListIds("?limit=100", as_admin_).size(), 4u);
}

TEST_F(TokensTest, RestrictedKeyNeedsTokensReadAndTokensWrite) {
  CreatedKey victim = CreateKey(client(), as_admin_);
  CreatedKey reader = CreateKey(client(), as_admin_, {{"type", "restricted"}, {"permissions", boost::json::array{"tokens:read"}}});
  CreatedKey writer = CreateKey(client(), as_admin_, {{"type", "restricted"}, {"permissions", boost::json::array{"tokens:write"}}});
  CreatedKey other = CreateKey(client(), as_admin_, {{"type", "restricted"}, {"permissions", boost::json::array{"x:y"}}});

  EXPECT_TRUE(IsOk(client().Get("/v1/tokens", ApiKey(reader.key))));
  EXPECT_TRUE(IsOk(client().Get("/v1/tokens/" + victim.id, ApiKey(reader.key))));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"type", "restricted"}, {"permissions", boost::json::array{"tokens:read"}}},
                                    ApiKey(reader.key)),
                      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/revoke", boost::json::object{}, ApiKey(reader.key)),
                      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/roll", boost::json::object{}, ApiKey(reader.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(writer.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + victim.id, ApiKey(writer.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(other.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/revoke", boost::json::object{}, ApiKey(other.key)),
                      403, "FORBIDDEN"));
  EXPECT_TRUE(IsOk(Auth(client(), victim.key)));
}

TEST_F(TokensTest, PublishableKeyCannotManageTokens) {
  CreatedKey victim = CreateKey(client(), as_admin_);
  CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}});
  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "x"}, {"type", "publishable"}}, ApiKey(pk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(pk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + victim.id, ApiKey(pk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/revoke", boost::json::object{}, ApiKey(pk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + victim.id + "/roll", boost::json::object{}, ApiKey(pk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsOk(Auth(client(), victim.key)));
}

TEST_F(TokensTest, TestModeKeyCreatesOnlyTestModeKeys) {
  CreatedKey test = CreateKey(client(), as_admin_, {{"livemode", false}});
  EXPECT_TRUE(Matches(test.key, "sk_test_[0-9A-Za-z]{38}")) << test.key.substr(0, 12);
  EXPECT_EQ(test.token.at("livemode"), false);
  EXPECT_EQ(AsString(test.token.at("key_prefix")), test.key.substr(0, 12));

  CreatedKey child = CreateKey(client(), ApiKey(test.key));
  EXPECT_EQ(child.token.at("livemode"), false) << "livemode defaults to the creating key's mode";
  EXPECT_TRUE(Matches(child.key, "sk_test_[0-9A-Za-z]{38}"));
  CreatedKey explicit_test = CreateKey(client(), ApiKey(test.key), {{"livemode", false}, {"type", "publishable"}});
  EXPECT_TRUE(Matches(explicit_test.key, "pk_test_[0-9A-Za-z]{38}"));

  EXPECT_TRUE(IsError(client().Post("/v1/tokens", {{"name", "live"}, {"livemode", true}}, ApiKey(test.key)), 403,
                      "FORBIDDEN"));

  // A live secret key defaults to live and may create test keys.
  CreatedKey live = CreateKey(client(), as_admin_);
  EXPECT_EQ(CreateKey(client(), ApiKey(live.key)).token.at("livemode"), true);
  EXPECT_EQ(CreateKey(client(), ApiKey(live.key), {{"livemode", false}}).token.at("livemode"), false);
}

TEST_F(TokensTest, AccountsAreIsolated) {
  std::string other_account = CreateAccount(client(), admin());
  Headers other_admin = AdminFor(admin(), other_account);
  CreatedKey theirs = CreateKey(client(), other_admin, {{"name", "B's key"}});
  CreatedKey mine = CreateKey(client(), as_admin_);

  Headers me = ApiKey(mine.key);
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + theirs.id, me), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + theirs.id + "/revoke", boost::json::object{}, me), 404,
                      "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + theirs.id + "/roll", {{"expires_in_seconds", 0}}, me), 404,
                      "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + theirs.id, as_admin_), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + theirs.id + "/revoke", boost::json::object{}, as_admin_), 404,
                      "NOT_FOUND"));

  auto ids = ListIds("?limit=100", me);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), theirs.id), 0);
  EXPECT_TRUE(IsOk(Auth(client(), theirs.key))) << "B's key must be untouched";
  EXPECT_EQ(GetToken(theirs.id, other_admin).at("status"), "active");
}

TEST_F(TokensTest, UnknownTokenIdIs404) {
  std::string fake = "tok_" + RandomBase62(24);
  EXPECT_TRUE(IsError(client().Get("/v1/tokens/" + fake, as_admin_), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + fake + "/revoke", boost::json::object{}, as_admin_), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(client().Post("/v1/tokens/" + fake + "/roll", boost::json::object{}, as_admin_), 404, "NOT_FOUND"));
}

TEST_F(TokensTest, LastUsedAtBecomesVisibleAfterUse) {
  CreatedKey k = CreateKey(client(), as_admin_);
  int64_t before = Now();
  ASSERT_TRUE(IsOk(Auth(client(), k.key)));
  boost::json::object t;
  bool seen = PollUntil(
      [&] {
        t = GetToken(k.id, as_admin_);
        return !t.at("last_used_at").is_null();
      },
      std::chrono::seconds(10));
  ASSERT_TRUE(seen) << "last_used_at still null: " << boost::json::serialize(t);
  EXPECT_GE(AsInt(t.at("last_used_at")), before - 5);
  EXPECT_LE(AsInt(t.at("last_used_at")), Now() + 5);
}

TEST_F(TokensTest, AccountHeaderDoesNotLetAKeyActForAnotherAccount) {
  std::string other_account = CreateAccount(client(), admin());
  CreatedKey theirs = CreateKey(client(), AdminFor(admin(), other_account));
  CreatedKey mine = CreateKey(client(), as_admin_);
  Headers spoof = Join(ApiKey(mine.key), {{"Keyward-Account", other_account}});

  Response list = client().Get("/v1/tokens?limit=100", spoof);
  if (list.status == 200) {
    EXPECT_EQ(list.body.find(theirs.id), std::string::npos) << "listed another account's token: " << Describe(list);
  } else {
    EXPECT_GE(list.status, 400) << Describe(list);
    EXPECT_LT(list.status, 500) << Describe(list);
  }
  Response get = client().Get("/v1/tokens/" + theirs.id, spoof);
  EXPECT_NE(get.status, 200) << Describe(get);
  Response create = client().Post("/v1/tokens", {{"name", "spoofed"}}, spoof);
  if (create.status == 200) {
    EXPECT_EQ(AsString(create.object().at("account")), account_) << "a key acts only for its own account";
  }
  Response revoke = client().Post("/v1/tokens/" + theirs.id + "/revoke", boost::json::object{}, spoof);
  EXPECT_NE(revoke.status, 200) << Describe(revoke);
  EXPECT_EQ(Auth(client(), theirs.key).status, 200);
}

// --- [keys] settings -------------------------------------------------------------------------

class KeysConfigTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() {
    StartShared({.config_toml = "[keys]\ndisplay_prefix_length = 16\n"
                                "prefix = { secret = \"cc\", publishable = \"cp\", restricted = \"cr\" }\n"});
  }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(KeysConfigTest, ConfiguredPrefixesAndDisplayLength) {
  Headers h = AdminFor(admin(), CreateAccount(client(), admin()));
  CreatedKey sk = CreateKey(client(), h);
  EXPECT_TRUE(Matches(sk.key, "cc_live_[0-9A-Za-z]{38}")) << sk.key.substr(0, 8);
  EXPECT_TRUE(ChecksumValid(sk.key));
  EXPECT_EQ(AsString(sk.token.at("key_prefix")), sk.key.substr(0, 16));
  CreatedKey pk = CreateKey(client(), h, {{"type", "publishable"}, {"livemode", false}});
  EXPECT_TRUE(Matches(pk.key, "cp_test_[0-9A-Za-z]{38}")) << pk.key.substr(0, 8);
  CreatedKey rk = CreateKey(client(), h, {{"type", "restricted"}, {"permissions", boost::json::array{"a:b"}}});
  EXPECT_TRUE(Matches(rk.key, "cr_live_[0-9A-Za-z]{38}")) << rk.key.substr(0, 8);
  Response a = Auth(client(), sk.key);
  EXPECT_EQ(a.status, 200) << Describe(a);
  EXPECT_EQ(a.header("X-Keyward-Token-Id").value_or("<none>"), sk.id);
  EXPECT_TRUE(IsError(Auth(client(), MakeWellFormedKey("sk_live_")), 401, "UNAUTHORIZED"));
}

}  // namespace
}  // namespace keyward_it
