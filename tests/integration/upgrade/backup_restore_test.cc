// Backups that restore (issue 19): a backup taken while a node serves writes — `keyward backup
// --to FILE` on SQLite, `pg_dump` on PostgreSQL — restored into a fresh node gives a working
// service holding a consistent snapshot: every write acknowledged before the backup started is
// there (keys verify, the balance counts the top-up), none acknowledged after it finished is, and
// the writes in between are all-or-nothing per transaction (the balance matches the keys present).
// That is the recovery point docs/operations.md states.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "postgres_server.h"
#include "upgrade/upgrade_support.h"

namespace keyward_it {
namespace {

using keyward_test::SharedPostgresServer;
namespace json = boost::json;

constexpr int64_t kInitialCredits = 1000;

// Writes on `node` from a thread of its own until stopped (thread-safe: the counters are atomic,
// the rest under mu_): each round creates a key on the
// account, then adds 1 credit to it. Remembers, in order, every acknowledged round.
class BackgroundWriter {
 public:
  BackgroundWriter(const KeywardProcess& node, std::string admin, std::string account)
      : client_(node.Client()), admin_(std::move(admin)), account_(std::move(account)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~BackgroundWriter() { Stop(); }
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Rounds acknowledged so far (both writes answered 200).
  size_t acked() const { return acked_count_.load(); }
  void WaitForRounds(size_t n) const {
    ASSERT_TRUE(PollUntil([&] { return acked() >= n || failed_.load(); }, std::chrono::seconds(60)))
        << "the writer made no progress";
    ASSERT_FALSE(failed_.load()) << error();
  }
  std::vector<std::string> keys() const {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_;
  }
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  void Run() {
    try {
      while (!stop_) {
        CreatedKey k = CreateKey(client_, AdminFor(admin_, account_), {{"name", "round"}});
        Response r = client_.Post("/v1/accounts/" + account_ + "/credits",
                                  json::object{{"amount", 1}}, Admin(admin_));
        if (r.status != 200) throw std::runtime_error("top-up: " + Describe(r));
        {
          std::lock_guard<std::mutex> lock(mu_);
          keys_.push_back(k.key);
        }
        acked_count_ = acked_count_ + 1;
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = e.what();
      failed_ = true;
    }
  }

  HttpClient client_;
  std::string admin_, account_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> acked_count_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  std::vector<std::string> keys_;  // guarded by mu_
  std::string error_;              // guarded by mu_
  std::thread thread_;
};

// The node on the restored store holds exactly a snapshot taken between `before` and `after`
// acknowledged rounds out of `keys`.
void ExpectSnapshot(const KeywardProcess& restored, const std::string& admin,
                    const std::string& account, const std::vector<std::string>& keys, size_t before,
                    size_t after) {
  HttpClient c = restored.Client();
  ASSERT_TRUE(WaitUntilReady(restored));
  Response acct = c.Get("/v1/accounts/" + account, Admin(admin));
  ASSERT_EQ(acct.status, 200) << Describe(acct);
  const int64_t topped = acct.object().at("credits").as_int64() - kInitialCredits;
  size_t present = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    Response r = Verify(c, keys[i]);
    ASSERT_EQ(r.status, 200) << Describe(r);
    const bool valid = r.object().at("valid") == true;
    if (i < before) {
      EXPECT_TRUE(valid) << "round " << i << " was acknowledged before the backup";
    }
    if (i >= after) {
      EXPECT_FALSE(valid) << "round " << i << " came after the backup finished";
    }
    if (valid) ++present;
  }
  EXPECT_GE(present, before);
  EXPECT_LE(present, after);
  // One consistent point: the top-ups are those of the rounds whose key is there (the last
  // round's key may have made it without its top-up).
  EXPECT_TRUE(topped == static_cast<int64_t>(present) ||
              topped == static_cast<int64_t>(present) - 1)
      << "keys " << present << ", top-ups " << topped;
  // And the restored node takes writes.
  CreatedKey k = CreateKey(c, AdminFor(admin, account), {{"name", "after-restore"}});
  Response v = Verify(c, k.key);
  EXPECT_EQ(v.object().at("valid"), true) << Describe(v);
}

TEST(BackupRestore, SqliteBackupTakenUnderWritesRestoresIntoAWorkingNode) {
  KeywardProcess node;
  HttpClient c = node.Client();
  const std::string account = CreateAccount(c, node.admin_key(), {{"credits", kInitialCredits}});
  TempDir backups;
  const std::string file = backups.path() + "/keyward-backup.db";

  BackgroundWriter writer(node, node.admin_key(), account);
  writer.WaitForRounds(10);
  const size_t before = writer.acked();
  std::vector<std::string> args = {"backup", "--to", file};
  for (auto& a : node.StoreArgs()) args.push_back(a);
  CliResult backup = node.RunCli(args);
  const size_t after = writer.acked() + 1;  // a round answered right after may be in it
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  writer.WaitForRounds(after + 3);
  writer.Stop();
  ASSERT_TRUE(writer.error().empty()) << writer.error();
  // The backup refuses to overwrite.
  EXPECT_NE(node.RunCli(args).exit_code, 0);

  TempDir restored_dir;
  PlaceSqliteStore(file, restored_dir.path());
  KeywardOptions options;
  options.create_admin_key = false;
  options.store_dir = restored_dir.path();
  KeywardProcess restored(options);
  ExpectSnapshot(restored, node.admin_key(), account, writer.keys(), before, after);
}

TEST(BackupRestore, PgDumpTakenUnderWritesRestoresIntoAWorkingNode) {
  auto& pg = SharedPostgresServer();
  const auto db = pg.CreateDatabase();
  KeywardProcess node({}, db.url);
  HttpClient c = node.Client();
  const std::string account = CreateAccount(c, node.admin_key(), {{"credits", kInitialCredits}});
  TempDir backups;
  const std::string file = backups.path() + "/keyward.dump";

  BackgroundWriter writer(node, node.admin_key(), account);
  writer.WaitForRounds(10);
  const size_t before = writer.acked();
  // As docs/operations.md says: the custom format, restored with pg_restore --no-owner.
  RunShell("pg_dump --format=custom --file='" + file + "' '" + db.url + "'");
  const size_t after = writer.acked() + 1;
  writer.WaitForRounds(after + 3);
  writer.Stop();
  ASSERT_TRUE(writer.error().empty()) << writer.error();

  const auto fresh = pg.CreateDatabase();
  RunShell("pg_restore --no-owner --exit-on-error --dbname='" + fresh.url + "' '" + file + "'");
  KeywardOptions options;
  options.create_admin_key = false;
  KeywardProcess restored(options, fresh.url);
  ExpectSnapshot(restored, node.admin_key(), account, writer.keys(), before, after);
}

}  // namespace
}  // namespace keyward_it
