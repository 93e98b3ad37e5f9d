// A rolling upgrade on one PostgreSQL (issue 19): a node of the previous release (the binary of a
// fixture's commit, built from git by tests/fixtures/upgrades/make-fixture and named by
// KEYWARD_OLD_RELEASE_BINARY) serves while a node of this release starts on the same database and
// migrates it. Both keep serving side by side: keys made on either verify on both, a revocation on
// either reaches the other, a top-up made on one is the balance on the other. An old node that
// restarts on the migrated database is refused (the schema is newer than it knows), which is why
// the roll goes one node at a time and never back (docs/operations.md, "Upgrades").
//
// Opt-in: building an old release takes minutes, too long for `make test`; without
// KEYWARD_OLD_RELEASE_BINARY the test is skipped and says how to run it.
#include <gtest/gtest.h>

#include <cstdlib>

#include "postgres_server.h"
#include "redis_server.h"
#include "upgrade/upgrade_support.h"

namespace keyward_it {
namespace {

using keyward_test::SharedPostgresServer;
namespace json = boost::json;

constexpr auto kPropagation = std::chrono::seconds(10);

bool ValidOn(const KeywardProcess& node, const std::string& key) {
  HttpClient c = node.Client();
  Response r = Verify(c, key);
  return r.status == 200 && r.object().at("valid") == true;
}

TEST(RollingUpgrade, PreviousAndThisReleaseServeSideBySideOnOnePostgres) {
  const char* old_binary = std::getenv("KEYWARD_OLD_RELEASE_BINARY");
  if (old_binary == nullptr || *old_binary == '\0') {
    GTEST_SKIP() << "opt-in: KEYWARD_OLD_RELEASE_BINARY=build/old-releases/COMMIT/build/keyward "
                    "(built by tests/fixtures/upgrades/make-fixture COMMIT NAME)";
  }
  auto& pg = SharedPostgresServer();
  const auto db = pg.CreateDatabase();
  // Schema 5's nodes propagate changes over Redis only (its LISTEN/NOTIFY feed was not wired yet),
  // so both releases share a Redis, as a cluster of that release had to.
  keyward_test::RedisServer redis;
  const std::string config = "[redis]\nurl = \"" + redis.url() + "\"\n";

  KeywardOptions old_options;
  old_options.binary = old_binary;
  old_options.config_toml = config;
  KeywardProcess old_node(old_options, db.url);  // makes the schema of its release
  ASSERT_TRUE(WaitUntilReady(old_node));
  const std::string admin = old_node.admin_key();
  HttpClient oc = old_node.Client();
  const std::string account = CreateAccount(oc, admin, {{"credits", 100}});
  const Headers as_account = AdminFor(admin, account);
  CreatedKey made_by_old = CreateKey(oc, as_account, {{"name", "old"}});
  const std::string before = pg.Query("SELECT MAX(version) FROM schema_migrations", db.name);

  // This release starts on the same database while the old node serves: it migrates it.
  KeywardOptions new_options;
  new_options.create_admin_key = false;
  new_options.config_toml = config;
  KeywardProcess new_node(new_options, db.url);
  ASSERT_TRUE(WaitUntilReady(new_node));
  EXPECT_EQ(pg.Query("SELECT MAX(version) FROM schema_migrations", db.name),
            std::to_string(KnownSchemaVersion()))
      << "migrated from " << before;
  HttpClient nc = new_node.Client();

  // Side by side: what either makes, both verify; the old node still writes on the new schema.
  EXPECT_TRUE(PollUntil([&] { return ValidOn(new_node, made_by_old.key); }, kPropagation));
  CreatedKey made_by_new = CreateKey(nc, as_account, {{"name", "new"}});
  EXPECT_TRUE(PollUntil([&] { return ValidOn(old_node, made_by_new.key); }, kPropagation));
  CreatedKey made_by_old_after = CreateKey(oc, as_account, {{"name", "old-after"}});
  EXPECT_TRUE(PollUntil([&] { return ValidOn(new_node, made_by_old_after.key); }, kPropagation));
  EXPECT_TRUE(ValidOn(old_node, made_by_old_after.key));

  // A revocation on either node reaches the other.
  RevokeKey(nc, as_account, made_by_old.id);
  EXPECT_TRUE(PollUntil([&] { return !ValidOn(old_node, made_by_old.key); }, kPropagation));
  RevokeKey(oc, as_account, made_by_new.id);
  EXPECT_TRUE(PollUntil([&] { return !ValidOn(new_node, made_by_new.key); }, kPropagation));

  // A top-up on the old node is the balance on the new one (both read it from Redis and the store).
  Response top =
      oc.Post("/v1/accounts/" + account + "/credits", json::object{{"amount", 5}}, Admin(admin));
  ASSERT_EQ(top.status, 200) << Describe(top);
  EXPECT_TRUE(PollUntil(
      [&] {
        Response acct = nc.Get("/v1/accounts/" + account, Admin(admin));
        return acct.status == 200 && acct.object().at("credits") == 105;
      },
      kPropagation));

  // The old node, once stopped, cannot come back on the migrated database: roll forward only.
  old_node.Stop();
  std::vector<std::string> args = {"serve", "--listen",
                                   "127.0.0.1:" + std::to_string(PickFreePort())};
  CliResult again = old_node.RunCli(args);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find(std::to_string(KnownSchemaVersion())), std::string::npos) << again.err;
  // The new node serves on.
  EXPECT_TRUE(ValidOn(new_node, made_by_old_after.key));
}

}  // namespace
}  // namespace keyward_it
