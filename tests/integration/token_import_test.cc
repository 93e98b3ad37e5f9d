// Importing keys from another system against the real binary (API.md 11.4): keys imported by
// plaintext and by SHA-256 verify in their foreign format through /v1/keys/verify and /v1/auth
// (x-api-key and Bearer) and survive a restart; a second node on the same PostgreSQL accepts a
// foreign key imported on the first within about a second (the change feed tells it that foreign
// keys are now accepted); a flood of unknown foreign-format keys reaches the store once per key
// (keyward_verifier_store_lookups_total), the negative cache answering the rest.
#include <openssl/sha.h>

#include <cstdio>
#include <thread>

#include "harness.h"
#include "postgres_server.h"

namespace keyward_it {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace json = boost::json;

std::string ImportSha256Hex(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The value of the sample line `series`, or -1.
int64_t ImportSample(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stoll(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

int64_t ImportStoreLookups(HttpClient& c) {
  Response m = c.Get("/metrics");
  if (m.status != 200) throw std::runtime_error("metrics: " + Describe(m));
  return ImportSample(m.body, "keyward_verifier_store_lookups_total");
}

bool ImportedKeyValid(HttpClient& c, const std::string& key) {
  Response r = Verify(c, key);
  return r.status == 200 && r.object().at("valid") == true;
}

json::array ImportForeignKeys(HttpClient& c, const Headers& admin, const json::array& keys) {
  Response r = c.Post("/v1/tokens/import", json::object{{"keys", keys}}, admin);
  if (r.status != 200) throw std::runtime_error("import: " + Describe(r));
  return r.object().at("data").as_array();
}

constexpr const char* kImportPlainKey = "legacy_live_7QmZk2Pw9xLr4Tn8Yb3Vc6Hd";
constexpr const char* kImportHashedKey = "acme-prod-0b1f2e3d4c5b6a79";

TEST(TokenImport, ImportedForeignKeysVerifyEverywhereAndSurviveARestart) {
  KeywardProcess node(KeywardOptions{.config_toml = "[verifier]\nnegative_cache_seconds = 600\n"});
  HttpClient c = node.Client();
  const std::string account = CreateAccount(c, node.admin_key());
  const Headers admin = AdminFor(node.admin_key(), account);

  // Before any import a foreign-format key is refused by its shape: the store is not asked.
  const int64_t lookups0 = ImportStoreLookups(c);
  ASSERT_GE(lookups0, 0);
  EXPECT_FALSE(ImportedKeyValid(c, kImportPlainKey));
  EXPECT_EQ(ImportStoreLookups(c), lookups0);

  json::array created = ImportForeignKeys(
      c, admin,
      json::array{json::object{{"key", kImportPlainKey}, {"name", "by plaintext"}},
                  json::object{{"sha256", ImportSha256Hex(kImportHashedKey)},
                               {"name", "by hash"},
                               {"key_prefix", "acme-prod"},
                               {"last4", "6a79"}}});
  ASSERT_EQ(created.size(), 2u);
  EXPECT_TRUE(created[0].at("key_prefix").is_null());
  EXPECT_EQ(created[1].at("key_prefix"), "acme-prod");
  EXPECT_FALSE(created[0].as_object().contains("key"));

  for (const char* key : {kImportPlainKey, kImportHashedKey}) {
    EXPECT_TRUE(ImportedKeyValid(c, key)) << key << ": " << Describe(Verify(c, key));
    Response auth = Auth(c, key);
    EXPECT_EQ(auth.status, 200) << Describe(auth);
    EXPECT_EQ(auth.header("X-Keyward-Account").value_or(""), account);
    Response bearer = c.Get("/v1/tokens", Bearer(key));
    EXPECT_EQ(bearer.status, 200) << Describe(bearer);
  }
  // The CLI's dry run verifies it too.
  std::vector<std::string> cli = {"verify", kImportPlainKey};
  for (const std::string& a : node.StoreArgs()) cli.push_back(a);
  CliResult dry = node.RunCli(cli);
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;

  // The plaintext was hashed at once: it is in no log.
  EXPECT_EQ(node.ReadLog().find(kImportPlainKey), std::string::npos);

  // A flood of unknown foreign-format keys reaches the store once per key.
  const int64_t before_flood = ImportStoreLookups(c);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_FALSE(ImportedKeyValid(c, "unknown_foreign_key_" + std::to_string(i)));
    }
  }
  EXPECT_EQ(ImportStoreLookups(c), before_flood + 5);

  // After a restart the imported keys (and foreign keys as such) are still accepted.
  ASSERT_EQ(node.Restart(), 0);
  HttpClient after = node.Client();
  ASSERT_TRUE(PollUntil([&] { return after.Get("/readyz").status == 200; }, milliseconds(20'000)));
  for (const char* key : {kImportPlainKey, kImportHashedKey}) {
    EXPECT_TRUE(ImportedKeyValid(after, key)) << key << ": " << Describe(Verify(after, key));
    EXPECT_EQ(Auth(after, key).status, 200);
  }
}

TEST(TokenImport, ASecondNodeOnTheSamePostgresAcceptsAnImportedForeignKeyWithinASecond) {
  keyward_test::PostgresServer::Database db = keyward_test::SharedPostgresServer().CreateDatabase();
  auto ready = [](const KeywardProcess& n) {
    try {
      return n.Client().Get("/readyz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  };
  KeywardProcess a(KeywardOptions{.create_admin_key = true}, db.url);
  KeywardProcess b(KeywardOptions{.create_admin_key = false}, db.url);
  for (const KeywardProcess* n : {&a, &b}) {
    ASSERT_TRUE(PollUntil([&] { return ready(*n); }, milliseconds(20'000)));
  }
  HttpClient ca = a.Client();
  HttpClient cb = b.Client();
  const std::string account = CreateAccount(ca, a.admin_key());
  EXPECT_FALSE(ImportedKeyValid(cb, kImportHashedKey));  // B refuses it by shape for now

  ImportForeignKeys(
      ca, AdminFor(a.admin_key(), account),
      json::array{json::object{{"sha256", ImportSha256Hex(kImportHashedKey)}, {"name", "moved"}}});
  EXPECT_TRUE(ImportedKeyValid(ca, kImportHashedKey));  // the writer: at once
  const auto start = steady_clock::now();
  const bool accepted =
      PollUntil([&] { return ImportedKeyValid(cb, kImportHashedKey); }, milliseconds(10'000));
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
  std::printf("[ measured ] a key imported on A verified on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_TRUE(accepted) << "B still refuses a key imported on A 10 s ago";
  EXPECT_LT(ms, 1000);
  EXPECT_EQ(Auth(cb, kImportHashedKey).status, 200);
}

}  // namespace
}  // namespace keyward_it
