// Importing keys from another system (API.md 11.4, 11.5), in process: POST /v1/tokens/import by
// SHA-256 and by plaintext, all or nothing, duplicates within the call and in the store, who may
// import, the 1000-key bound, token.imported events, and verification of foreign-format keys
// (x-api-key, Bearer, /v1/auth, /v1/keys/verify) with the negative cache shielding the store.
#include <gtest/gtest.h>

#include <cctype>

#include "core/sha256.h"
#include "route_test.h"
#include "service/services.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

constexpr const char* kForeignKey = "legacy-live-4f7d1c9a2b8e4d3f9a6c";
constexpr const char* kOtherForeignKey = "acme_prod_Zq81mX0pLr55Tt2wVv9y";

std::string ImportHashHex(const std::string& key) {
  return DigestHex(Sha256(key));
}

class TokenImportRoute : public RouteTest {
 protected:
  explicit TokenImportRoute(EnvOptions options = {}) : RouteTest(std::move(options)) {}
  void SetUp() override { account_ = NewAccount(); }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  Answer Import(const array& keys, Headers auth = {}) {
    return Post("/v1/tokens/import", object{{"keys", keys}},
                auth.empty() ? AsAdmin() : std::move(auth));
  }
  size_t TokenCount() {
    Answer a = Get("/v1/tokens?limit=100", AsAdmin());
    if (a.status() != 200) throw std::runtime_error("list: " + Describe(a));
    return BodyOf(a).at("data").as_array().size();
  }
  bool Verifies(const std::string& key) {
    Answer a =
        Post("/v1/keys/verify", object{{"key", key}, {"method", "GET"}, {"path", "/v1/things"}});
    if (a.status() != 200) throw std::runtime_error("verify: " + Describe(a));
    return BodyOf(a).at("valid").as_bool();
  }
  uint64_t StoreLookups() { return env_.services().verifier().store_lookups(); }
  std::string account_;
};

// ---- the happy paths ---------------------------------------------------------------------------

TEST_F(TokenImportRoute, ImportBySha256Answers200ListWithNullDisplayParts) {
  Answer a = Import(array{object{{"sha256", ImportHashHex(kForeignKey)}, {"name", "legacy"}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object list = BodyOf(a);
  EXPECT_EQ(list.at("object"), "list");
  EXPECT_EQ(list.at("has_more"), false);
  ASSERT_EQ(list.at("data").as_array().size(), 1u);
  object t = list.at("data").as_array()[0].as_object();
  EXPECT_EQ(t.at("object"), "token");
  EXPECT_TRUE(Str(t.at("id")).starts_with("tok_"));
  EXPECT_EQ(Str(t.at("account")), account_);
  EXPECT_EQ(t.at("name"), "legacy");
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_EQ(t.at("livemode"), true);
  EXPECT_EQ(t.at("status"), "active");
  EXPECT_TRUE(t.at("key_prefix").is_null());
  EXPECT_TRUE(t.at("last4").is_null());
  EXPECT_FALSE(t.contains("key"));
  // The foreign key now verifies on every path.
  EXPECT_TRUE(Verifies(kForeignKey));
  Answer auth = Get("/v1/auth/v1/things", ApiKey(kForeignKey));
  EXPECT_EQ(auth.status(), 200) << Describe(auth);
  EXPECT_EQ(HeaderOf(auth, "X-Keyward-Token-Id"), Str(t.at("id")));
  EXPECT_EQ(Get("/v1/auth/v1/things", Bearer(kForeignKey)).status(), 200);
  // And may manage its own account like any secret key.
  EXPECT_TRUE(IsOk(Get("/v1/tokens", ApiKey(kForeignKey))));
}

TEST_F(TokenImportRoute, ImportByPlaintextNeverEchoesTheKey) {
  Answer a = Import(array{object{{"key", kForeignKey},
                                 {"name", "plain"},
                                 {"type", "restricted"},
                                 {"permissions", array{"things:read"}},
                                 {"livemode", false},
                                 {"metadata", object{{"crm", "7"}}},
                                 {"key_prefix", "legacy-live"},
                                 {"last4", "6c"}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(a.response.body.find(kForeignKey), std::string::npos);
  object t = BodyOf(a).at("data").as_array()[0].as_object();
  EXPECT_FALSE(t.contains("key"));
  EXPECT_EQ(t.at("type"), "restricted");
  EXPECT_EQ(t.at("permissions"), array{"things:read"});
  EXPECT_EQ(t.at("livemode"), false);
  EXPECT_EQ(t.at("metadata"), (object{{"crm", "7"}}));
  EXPECT_EQ(t.at("key_prefix"), "legacy-live");
  EXPECT_EQ(t.at("last4"), "6c");
  EXPECT_TRUE(Verifies(kForeignKey));
  // The stored token is found by the hash of the plaintext: importing the hash again is a
  // duplicate.
  EXPECT_TRUE(
      IsError(Import(array{object{{"sha256", ImportHashHex(kForeignKey)}, {"name", "again"}}}), 400,
              "INVALID_REQUEST", "keys[0].sha256"));
}

TEST_F(TokenImportRoute, KeywardFormatKeysFromAnotherDeploymentKeepTheirTypeAndMode) {
  const std::string key = WellFormedKey("rk_test_");
  Answer a =
      Import(array{object{{"key", key}, {"name", "moved"}, {"permissions", array{"things:*"}}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object t = BodyOf(a).at("data").as_array()[0].as_object();
  EXPECT_EQ(t.at("type"), "restricted");
  EXPECT_EQ(t.at("livemode"), false);
  EXPECT_TRUE(Verifies(key));
}

TEST_F(TokenImportRoute, OneTokenImportedEventPerKeyWithTheAdminAsActor) {
  Answer a = Import(array{object{{"sha256", ImportHashHex(kForeignKey)}, {"name", "a"}},
                          object{{"key", kOtherForeignKey}, {"name", "b"}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  Answer events = Get("/v1/events?type=token.imported&limit=100", Admin(admin()));
  ASSERT_TRUE(IsOk(events)) << Describe(events);
  const object page = BodyOf(events);
  const array& data = page.at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  for (const auto& v : data) {
    const object& e = v.as_object();
    EXPECT_EQ(Str(e.at("account")), account_);
    EXPECT_EQ(e.at("actor").as_object().at("type"), "admin_key");
    EXPECT_EQ(e.at("data").as_object().at("object").as_object().at("object"), "token");
    EXPECT_EQ(serialize(e).find(kOtherForeignKey), std::string::npos);
  }
}

TEST_F(TokenImportRoute, ExactlyAThousandKeysAreAccepted) {
  array keys;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back(object{{"sha256", ImportHashHex("bulk-key-" + std::to_string(i))},
                          {"name", "bulk " + std::to_string(i)}});
  }
  Answer a = Import(keys);
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(BodyOf(a).at("data").as_array().size(), 1000u);
  EXPECT_TRUE(Verifies("bulk-key-999"));
}

TEST_F(TokenImportRoute, IdempotencyKeyReplaysTheImport) {
  Headers auth = Join(AsAdmin(), {{"Idempotency-Key", "import-1"}});
  const array keys{object{{"key", kForeignKey}, {"name", "once"}}};
  Answer first = Import(keys, auth);
  ASSERT_TRUE(IsOk(first)) << Describe(first);
  Answer again = Import(keys, auth);
  ASSERT_TRUE(IsOk(again)) << Describe(again);
  EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "true");
  EXPECT_EQ(again.response.body, first.response.body);
  EXPECT_EQ(TokenCount(), 1u);
}

// ---- bad input: 400 naming the field, and nothing stored ---------------------------------------

TEST_F(TokenImportRoute, BadInputIs400NamingTheKeyAndStoresNothing) {
  const object good{{"sha256", ImportHashHex(kOtherForeignKey)}, {"name", "good"}};
  struct Case {
    object bad;
    std::string param;
  };
  const Case cases[] = {
      {object{{"name", "neither"}}, "keys[1].sha256"},
      {object{{"sha256", "abc"}, {"name", "short"}}, "keys[1].sha256"},
      {object{{"sha256", std::string(64, 'g')}, {"name", "not hex"}}, "keys[1].sha256"},
      {object{{"sha256", ImportHashHex("x")}, {"key", "x-key-1"}, {"name", "both"}}, "keys[1].key"},
      {object{{"key", "has space"}, {"name", "space"}}, "keys[1].key"},
      {object{{"key", std::string(257, 'k')}, {"name", "long"}}, "keys[1].key"},
      {object{{"key", WellFormedKey("ak_")}, {"name", "admin"}}, "keys[1].key"},
      {object{{"sha256", ImportHashHex("n")}}, "keys[1].name"},
      {object{{"sha256", ImportHashHex("n")}, {"name", ""}}, "keys[1].name"},
      {object{{"sha256", ImportHashHex("t")}, {"name", "t"}, {"type", "root"}}, "keys[1].type"},
      {object{{"sha256", ImportHashHex("r")}, {"name", "r"}, {"type", "restricted"}},
       "keys[1].permissions"},
      {object{{"sha256", ImportHashHex("p")}, {"name", "p"}, {"permissions", array{"a:b"}}},
       "keys[1].permissions"},
      {object{{"sha256", ImportHashHex("e")}, {"name", "e"}, {"expires_at", 1}},
       "keys[1].expires_at"},
      {object{{"sha256", ImportHashHex("m")}, {"name", "m"}, {"metadata", object{{"k", 1}}}},
       "keys[1].metadata"},
      {object{{"sha256", ImportHashHex("u")}, {"name", "u"}, {"secret", "x"}}, "keys[1].secret"},
      {object{{"sha256", ImportHashHex("l")}, {"name", "l"}, {"last4", "12345"}}, "keys[1].last4"},
      {object{{"key", "prefix-key-1"}, {"name", "kp"}, {"key_prefix", "other"}},
       "keys[1].key_prefix"},
      {object{{"key", "prefix-key-2"}, {"name", "kp"}, {"key_prefix", "prefix-key-2"}},
       "keys[1].key_prefix"},
      {object{{"sha256", ImportHashHex("whole-key")}, {"name", "kp"}, {"key_prefix", "whole-key"}},
       "keys[1].key_prefix"},
      {object{{"sha256", ImportHashHex("i")}, {"name", "i"}, {"ip_allowlist", array{"nope"}}},
       "keys[1].ip_allowlist"},
  };
  for (const Case& c : cases) {
    Answer a = Import(array{good, c.bad});
    EXPECT_TRUE(IsError(a, 400, "INVALID_REQUEST", c.param)) << serialize(c.bad);
  }
  EXPECT_TRUE(IsError(Import(array{good, 42}), 400, "INVALID_REQUEST", "keys[1]"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens/import", object{}, AsAdmin()), 400, "INVALID_REQUEST", "keys"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/import", object{{"keys", "x"}}, AsAdmin()), 400,
                      "INVALID_REQUEST", "keys"));
  EXPECT_TRUE(IsError(Import(array{}), 400, "INVALID_REQUEST", "keys"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens/import", object{{"keys", array{good}}, {"extra", 1}}, AsAdmin()),
              400, "INVALID_REQUEST", "extra"));
  EXPECT_TRUE(
      IsError(PostRaw("/v1/tokens/import", "{\"keys\":", AsAdmin()), 400, "INVALID_REQUEST"));
  // All or nothing: the good key of every refused call was not stored.
  EXPECT_EQ(TokenCount(), 0u);
  EXPECT_FALSE(Verifies(kOtherForeignKey));
}

TEST_F(TokenImportRoute, MoreThanAThousandKeysIs400) {
  array keys;
  for (int i = 0; i < 1001; ++i) {
    keys.push_back(object{{"sha256", ImportHashHex("k" + std::to_string(i))}, {"name", "k"}});
  }
  EXPECT_TRUE(IsError(Import(keys), 400, "INVALID_REQUEST", "keys"));
  EXPECT_EQ(TokenCount(), 0u);
}

TEST_F(TokenImportRoute, DuplicateWithinTheCallNamesTheLaterOccurrence) {
  Answer a = Import(array{object{{"sha256", ImportHashHex("one")}, {"name", "1"}},
                          object{{"key", kForeignKey}, {"name", "2"}},
                          object{{"sha256", ImportHashHex("three")}, {"name", "3"}},
                          // The same key by hash (upper-case hex) as index 1 gave in plaintext.
                          object{{"sha256",
                                  [] {
                                    std::string h = ImportHashHex(kForeignKey);
                                    for (char& c : h) c = static_cast<char>(std::toupper(c));
                                    return h;
                                  }()},
                                 {"name", "4"}}});
  EXPECT_TRUE(IsError(a, 400, "INVALID_REQUEST", "keys[3].sha256")) << Describe(a);
  EXPECT_EQ(TokenCount(), 0u);
}

TEST_F(TokenImportRoute, DuplicateOfAStoredKeyIs400AndStoresNothing) {
  CreatedKey issued = NewKey(AsAdmin());
  ASSERT_TRUE(IsOk(Import(array{object{{"key", kForeignKey}, {"name", "first"}}})));
  const size_t before = TokenCount();
  // A key keyward issued itself, and a key imported before, are both already stored.
  EXPECT_TRUE(IsError(Import(array{object{{"sha256", ImportHashHex("fresh")}, {"name", "fresh"}},
                                   object{{"key", issued.key}, {"name", "issued"}}}),
                      400, "INVALID_REQUEST", "keys[1].sha256"));
  EXPECT_TRUE(
      IsError(Import(array{object{{"sha256", ImportHashHex("fresh")}, {"name", "fresh"}},
                           object{{"sha256", ImportHashHex("fresh2")}, {"name", "fresh2"}},
                           object{{"sha256", ImportHashHex(kForeignKey)}, {"name", "again"}}}),
              400, "INVALID_REQUEST", "keys[2].sha256"));
  EXPECT_EQ(TokenCount(), before);
  EXPECT_FALSE(Verifies("fresh"));
}

// ---- who may import ----------------------------------------------------------------------------

TEST_F(TokenImportRoute, OnlyAdminKeysNamingAnAccountMayImport) {
  const array keys{object{{"sha256", ImportHashHex(kForeignKey)}, {"name", "x"}}};
  CreatedKey secret = NewKey(AsAdmin());
  EXPECT_TRUE(IsError(Import(keys, ApiKey(secret.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Import(keys, Join(ApiKey(secret.key), {{"Keyward-Account", account_}})), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/import", object{{"keys", keys}}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Import(keys, Admin(admin())), 400, "INVALID_REQUEST", "Keyward-Account"));
  EXPECT_TRUE(IsError(Import(keys, AdminFor(admin(), "acct_000000000000000000000000")), 400,
                      "INVALID_REQUEST", "Keyward-Account"));
  EXPECT_EQ(TokenCount(), 1u);  // only `secret`
  EXPECT_FALSE(Verifies(kForeignKey));
  // The route is import's, not /v1/tokens/:id's.
  EXPECT_TRUE(IsError(Get("/v1/tokens/import", AsAdmin()), 404, "NOT_FOUND"));
}

// ---- foreign-format keys and the negative cache ------------------------------------------------

TEST_F(TokenImportRoute, ForeignKeysAreRefusedByShapeUntilAKeyIsImported) {
  const uint64_t before = StoreLookups();
  EXPECT_FALSE(Verifies(kForeignKey));
  EXPECT_TRUE(IsError(Get("/v1/auth/v1/things", ApiKey(kForeignKey)), 401, "UNAUTHORIZED"));
  EXPECT_EQ(StoreLookups(), before);  // refused by shape, the store never asked
  ASSERT_TRUE(IsOk(Import(array{object{{"key", kOtherForeignKey}, {"name", "x"}}})));
  EXPECT_TRUE(Verifies(kOtherForeignKey));
  EXPECT_FALSE(Verifies(kForeignKey));  // unknown: looked up now, and refused
}

TEST_F(TokenImportRoute, TheNegativeCacheShieldsTheStoreFromFloodsOfUnknownForeignKeys) {
  ASSERT_TRUE(IsOk(Import(array{object{{"key", kForeignKey}, {"name", "x"}}})));
  const uint64_t before = StoreLookups();
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 5; ++i) EXPECT_FALSE(Verifies("unknown-foreign-" + std::to_string(i)));
  }
  EXPECT_EQ(StoreLookups(), before + 5);  // each unknown key reached the store once
  // A keyward-format key with a bad checksum is refused by its checksum, never looked up.
  std::string bad = WellFormedKey("sk_live_");
  bad.back() = bad.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Verifies(bad));
  EXPECT_EQ(StoreLookups(), before + 5);
}

class AcceptForeignRoute : public TokenImportRoute {
 protected:
  static EnvOptions Options() {
    EnvOptions o;
    o.service.accept_foreign = true;
    return o;
  }
  AcceptForeignRoute() : TokenImportRoute(Options()) {}
};

TEST_F(AcceptForeignRoute, TheSettingLooksForeignKeysUpBeforeAnyImport) {
  const uint64_t before = StoreLookups();
  EXPECT_FALSE(Verifies(kForeignKey));
  EXPECT_EQ(StoreLookups(), before + 1);
}

}  // namespace
}  // namespace keyward::api_test
