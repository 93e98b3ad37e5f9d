// Upgrades (issue 19, API.md 16.1 last bullet): every committed fixture — the SQLite file and the
// PostgreSQL dump an earlier release wrote (tests/fixtures/upgrades/) — opens in this binary, which
// runs every migration forward from the fixture's version, with everything intact (keys verify,
// the revoked key stays revoked, balances, the access token, the dashboard session) and then takes
// writes that use each later migration's tables; it opens again after a restart. A store from a
// newer release (a copy of a fixture whose stored version was bumped past this binary's) is
// refused at start: the process exits non-zero and its stderr names both versions.
#include <gtest/gtest.h>

#include "postgres_server.h"
#include "upgrade/upgrade_support.h"

namespace keyward_it {
namespace {

using keyward_test::SharedPostgresServer;

constexpr int64_t kNewerThanAnyRelease = 999;

// "1,2,…,N" for this binary's N migrations.
std::string AllVersions() {
  std::string out;
  for (int64_t v = 1; v <= KnownSchemaVersion(); ++v) {
    out += (v > 1 ? "," : "") + std::to_string(v);
  }
  return out;
}

class UpgradeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(UpgradeTest, SqliteStoreOpensIntactAndTakesWrites) {
  const Fixture f = LoadFixture(GetParam());
  TempDir store;
  RestoreSqliteDump(f.dir + "/sqlite.sql", store.path());
  KeywardOptions options;
  options.create_admin_key = false;
  options.store_dir = store.path();
  KeywardProcess node(options);
  ExpectFixtureIntact(node, f.sqlite);
  ExpectWritesWork(node, f.sqlite);
  // Migrations ran once: a restart opens the same store as it is.
  node.Restart();
  EXPECT_TRUE(WaitUntilReady(node));
  const std::string versions =
      Sqlite3(store.path() + "/keyward.db", "SELECT group_concat(version) FROM schema_migrations");
  EXPECT_EQ(versions, AllVersions() + "\n") << "every migration once, none skipped";
}

TEST_P(UpgradeTest, PostgresDumpOpensIntactAndTakesWrites) {
  const Fixture f = LoadFixture(GetParam());
  auto& pg = SharedPostgresServer();
  const auto db = pg.CreateDatabase();
  RestorePostgresDump(f.dir + "/postgres.sql", db.url);
  KeywardOptions options;
  options.create_admin_key = false;
  KeywardProcess node(options, db.url);
  ExpectFixtureIntact(node, f.postgres);
  ExpectWritesWork(node, f.postgres);
  node.Restart();
  EXPECT_TRUE(WaitUntilReady(node));
  EXPECT_EQ(pg.Query("SELECT string_agg(version::text, ',' ORDER BY version) "
                     "FROM schema_migrations",
                     db.name),
            AllVersions());
}

INSTANTIATE_TEST_SUITE_P(Releases, UpgradeTest, ::testing::ValuesIn(FixtureNames()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

// `keyward serve` on the store: its exit status and stderr (it must not start).
CliResult Serve(const KeywardProcess& node) {
  std::vector<std::string> args = {"serve", "--listen",
                                   "127.0.0.1:" + std::to_string(PickFreePort())};
  for (auto& a : node.StoreArgs()) args.push_back(a);
  return node.RunCli(args);
}

void ExpectRefusedNamingBothVersions(const CliResult& r) {
  EXPECT_NE(r.exit_code, 0) << "a store from a newer release must not be opened";
  EXPECT_NE(r.err.find("schema version " + std::to_string(kNewerThanAnyRelease)), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("up to " + std::to_string(KnownSchemaVersion())), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("newer keyward"), std::string::npos) << r.err;
}

TEST(UpgradeRefusal, SqliteStoreFromANewerReleaseIsRefusedAtStart) {
  const Fixture f = LoadFixture(FixtureNames().back());
  TempDir store;
  RestoreSqliteDump(f.dir + "/sqlite.sql", store.path());
  const std::string file = store.path() + "/keyward.db";
  Sqlite3(file, "INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                    std::to_string(kNewerThanAnyRelease) + ", 0)");
  KeywardOptions options;
  options.create_admin_key = false;
  options.start = false;
  options.store_dir = store.path();
  KeywardProcess node(options);
  ExpectRefusedNamingBothVersions(Serve(node));
  // The CLI refuses it too, and nothing was changed: the version is still the newer one, and the
  // old rows are untouched.
  CliResult cli = node.RunCli({"accounts", "list", "--data-dir", store.path()});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_EQ(Sqlite3(file, "SELECT MAX(version) FROM schema_migrations"),
            std::to_string(kNewerThanAnyRelease) + "\n");
  EXPECT_EQ(Sqlite3(file, "SELECT COUNT(*) FROM accounts"), "2\n");
}

TEST(UpgradeRefusal, PostgresStoreFromANewerReleaseIsRefusedAtStart) {
  const Fixture f = LoadFixture(FixtureNames().back());
  auto& pg = SharedPostgresServer();
  const auto db = pg.CreateDatabase();
  RestorePostgresDump(f.dir + "/postgres.sql", db.url);
  pg.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
              std::to_string(kNewerThanAnyRelease) + ", 0)",
          db.name);
  KeywardOptions options;
  options.create_admin_key = false;
  options.start = false;
  KeywardProcess node(options, db.url);
  ExpectRefusedNamingBothVersions(Serve(node));
  EXPECT_EQ(pg.Query("SELECT MAX(version) FROM schema_migrations", db.name),
            std::to_string(kNewerThanAnyRelease));
}

}  // namespace
}  // namespace keyward_it
