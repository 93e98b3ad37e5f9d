// SQLite-specific behaviour beyond the Store contract (which store_conformance_test.cc covers):
// persistence, versioned migrations, WAL, several instances on one file, concurrency, and how
// SQLite failures map to error codes.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/store_test_util.h"

namespace keyward {
namespace {

using testing_util::HashOf;
using testing_util::kNow;
using testing_util::MakeAccount;
using testing_util::MakeAdminKey;
using testing_util::MakeToken;
using testing_util::ScratchDir;

std::unique_ptr<SqliteStore> OpenSqliteOrDie(const std::string& path, SqliteOptions options = {}) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << (store.ok() ? "" : store.error().message());
  return store.ok() ? std::move(store).value() : nullptr;
}

// A plain SQLite connection for looking at (or interfering with) the file from outside.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  // Every row of `sql`, each column as text ("NULL" for null).
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    return rows;
  }
  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.File("keyward.db"); }
  ScratchDir dir_;
};

TEST_F(SqliteStoreTest, DataPersistsAcrossCloseAndReopen) {
  {
    std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1", "a@example.com")).ok());
    ASSERT_TRUE(store->InsertToken(MakeToken("tok_1", "acct_1", 1)).ok());
    ASSERT_TRUE(store->InsertToken(MakeToken("tok_2", "acct_1", 2)).ok());
    ASSERT_TRUE(store->RevokeToken("acct_1", "tok_2", kNow).ok());
    ASSERT_TRUE(store->RecordUsage({{"tok_1", kNow}}).ok());
    ASSERT_TRUE(store->AddCredits("acct_1", -40).ok());
    ASSERT_TRUE(store->InsertAdminKey(MakeAdminKey("adm_1", 9)).ok());
  }
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  Result<std::optional<AccountRow>> account = store->GetAccountByEmail("A@example.com");
  ASSERT_TRUE(account.ok() && account->has_value());
  EXPECT_EQ((*account)->credits, 60);
  Result<std::optional<TokenRow>> tok1 = store->GetToken("acct_1", "tok_1");
  ASSERT_TRUE(tok1.ok() && tok1->has_value());
  EXPECT_EQ((*tok1)->last_used_at, kNow);
  Result<std::optional<TokenRow>> tok2 = store->FindTokenByHash(HashOf(2));
  ASSERT_TRUE(tok2.ok() && tok2->has_value());
  EXPECT_EQ((*tok2)->revoked_at, kNow);
  Result<int64_t> admins = store->CountAdminKeys();
  ASSERT_TRUE(admins.ok());
  EXPECT_EQ(*admins, 1);
}

TEST_F(SqliteStoreTest, MigrationsAreRecordedAndNotRerunOnReopen) {
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  RawDb raw(DbPath());
  std::vector<std::vector<std::string>> first =
      raw.Query("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(first.size(), sqlite::Migrations().size());
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i][0], std::to_string(i + 1));

  // Reopening twice more applies nothing (re-running migration 1 would fail: its tables exist).
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  EXPECT_EQ(raw.Query("SELECT version, applied_at FROM schema_migrations ORDER BY version"), first);
}

TEST_F(SqliteStoreTest, SchemaHasTheDocumentedTablesAndIndex) {
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  RawDb raw(DbPath());
  std::vector<std::vector<std::string>> names =
      raw.Query("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name");
  const std::vector<std::string> documented = {
      "access_tokens",
      "access_tokens_expires",
      "accounts",
      "accounts_change_seq",
      "accounts_plan",
      "admin_keys",
      "agent_auth_requests",
      "agent_auth_requests_created",
      "event_marks",
      "events",
      "events_account_seq",
      "events_created",
      "idempotency_keys",
      "idempotency_keys_created",
      "operator_sessions",
      "operator_sessions_expires",
      "operators",
      "plans",
      "schema_migrations",
      "sessions",
      "sessions_account",
      "sessions_expires",
      "tokens",
      "tokens_account_seq",
      "tokens_change_seq",
      "tokens_expires_at",
      "usage_counts",
      "usage_counts_age",
      "webhook_deliveries",
      "webhook_deliveries_due",
      "webhook_deliveries_endpoint",
      "webhook_endpoints",
      "webhook_endpoints_owner",
  };
  std::vector<std::vector<std::string>> expected;
  for (const std::string& n : documented) expected.push_back({n});
  EXPECT_EQ(names, expected);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerVersion) {
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  {
    RawDb raw(DbPath());
    raw.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)");
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternalError);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos);
}

TEST_F(SqliteStoreTest, JournalModeIsWal) {
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), (std::vector<std::vector<std::string>>{{"wal"}}));
}

TEST_F(SqliteStoreTest, EmptyEmailIsStoredAsNull) {
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1")).ok());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Query("SELECT email IS NULL FROM accounts"),
            (std::vector<std::vector<std::string>>{{"1"}}));
}

TEST_F(SqliteStoreTest, TwoInstancesOnOneFileSeeEachOthersWrites) {
  std::unique_ptr<SqliteStore> server = OpenSqliteOrDie(DbPath());
  std::unique_ptr<SqliteStore> cli = OpenSqliteOrDie(DbPath());
  ASSERT_NE(server, nullptr);
  ASSERT_NE(cli, nullptr);

  ASSERT_TRUE(server->CreateAccount(MakeAccount("acct_1")).ok());
  Result<std::optional<AccountRow>> account = cli->GetAccount("acct_1");
  ASSERT_TRUE(account.ok() && account->has_value());
  ASSERT_TRUE(cli->InsertAdminKey(MakeAdminKey("adm_1", 100)).ok());
  Result<std::optional<AdminKeyRow>> admin = server->FindAdminKeyByHash(HashOf(100));
  ASSERT_TRUE(admin.ok() && admin->has_value());
  ASSERT_TRUE(cli->InsertToken(MakeToken("tok_1", "acct_1", 1)).ok());
  Result<std::optional<TokenRow>> token = server->FindTokenByHash(HashOf(1));
  ASSERT_TRUE(token.ok() && token->has_value());
  ASSERT_TRUE(server->RevokeToken("acct_1", "tok_1", kNow).ok());
  token = cli->FindTokenByHash(HashOf(1));
  ASSERT_TRUE(token.ok() && token->has_value());
  EXPECT_EQ((*token)->revoked_at, kNow);

  // Both write at once: the file lock and busy timeout serialise them; nothing is lost.
  constexpr int kEach = 100;
  auto write = [&](SqliteStore* store, int base) {
    for (int i = 0; i < kEach; ++i) {
      Status s =
          store->InsertToken(MakeToken("tok_" + std::to_string(base + i), "acct_1", base + i));
      EXPECT_TRUE(s.ok()) << s.error().message();
    }
  };
  std::thread a(write, server.get(), 1000);
  std::thread b(write, cli.get(), 2000);
  a.join();
  b.join();
  int count = 0;
  ASSERT_TRUE(server->ForEachUnrevokedToken([&](TokenRow&&) { ++count; }).ok());
  EXPECT_EQ(count, 2 * kEach);
}

TEST_F(SqliteStoreTest, EightConcurrentWritersAllLand) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_" + std::to_string(t))).ok());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string account = "acct_" + std::to_string(t);
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        Status s = store->InsertToken(MakeToken("tok_" + std::to_string(n), account, n));
        EXPECT_TRUE(s.ok()) << s.error().message();
      }
    });
  }
  for (std::thread& t : threads) t.join();

  int count = 0;
  ASSERT_TRUE(store->ForEachUnrevokedToken([&](TokenRow&&) { ++count; }).ok());
  EXPECT_EQ(count, kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {  // each account's tokens, in pages of 100
    ListOptions options;
    options.limit = 100;
    size_t seen = 0;
    for (;;) {
      Result<Page<TokenRow>> page =
          store->ListTokens("acct_" + std::to_string(t), TokenFilter::kAll, kNow, options);
      ASSERT_TRUE(page.ok());
      seen += page->items.size();
      if (!page->has_more) break;
      options.starting_after = page->items.back().id;
    }
    EXPECT_EQ(seen, size_t{kPerThread});
  }
}

TEST_F(SqliteStoreTest, ReadersRunDuringWrites) {
  constexpr int kPreloaded = 100;
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1")).ok());
  for (int i = 0; i < kPreloaded; ++i) {
    ASSERT_TRUE(store->InsertToken(MakeToken("tok_" + std::to_string(i), "acct_1", i)).ok());
  }
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0};
  std::thread writer([&] {
    for (int i = kPreloaded; i < kPreloaded + 300; ++i) {
      EXPECT_TRUE(store->InsertToken(MakeToken("tok_" + std::to_string(i), "acct_1", i)).ok());
      if (i % 3 == 0) {
        EXPECT_TRUE(
            store->RevokeToken("acct_1", "tok_" + std::to_string(i - kPreloaded), kNow).ok());
      }
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 6; ++r) {  // more readers than pooled connections: some wait their turn
    readers.emplace_back([&, r] {
      int i = r;
      do {
        Result<std::optional<TokenRow>> t = store->FindTokenByHash(HashOf(i % kPreloaded));
        EXPECT_TRUE(t.ok() && t->has_value());
        ListOptions options;
        options.limit = 10;
        Result<Page<TokenRow>> page =
            store->ListTokens("acct_1", TokenFilter::kActive, kNow, options);
        EXPECT_TRUE(page.ok());
        ++reads;
        ++i;
      } while (writing);
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 6);
}

TEST_F(SqliteStoreTest, WriterBusyBeyondTimeoutIsUnavailableWhileReadsContinue) {
  SqliteOptions options;
  options.busy_timeout_ms = 100;
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath(), options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1")).ok());
  ASSERT_TRUE(store->InsertToken(MakeToken("tok_1", "acct_1", 1)).ok());

  RawDb other(DbPath());
  other.Exec("BEGIN IMMEDIATE");  // another process holds the write lock
  Status insert = store->InsertToken(MakeToken("tok_2", "acct_1", 2));
  ASSERT_FALSE(insert.ok());
  EXPECT_EQ(insert.error().code(), ErrorCode::kUnavailable);
  Result<std::optional<TokenRow>> roll =
      store->RollToken("acct_1", "tok_1", MakeToken("tok_3", "acct_1", 3), std::nullopt, kNow);
  ASSERT_FALSE(roll.ok());
  EXPECT_EQ(roll.error().code(), ErrorCode::kUnavailable);
  Status usage = store->RecordUsage({{"tok_1", kNow}});
  ASSERT_FALSE(usage.ok());
  EXPECT_EQ(usage.error().code(), ErrorCode::kUnavailable);
  Result<std::optional<TokenRow>> read = store->FindTokenByHash(HashOf(1));  // WAL: not blocked
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_TRUE(store->Ping().ok());

  other.Exec("COMMIT");
  EXPECT_TRUE(store->InsertToken(MakeToken("tok_2", "acct_1", 2)).ok());
  Result<std::optional<TokenRow>> old = store->GetToken("acct_1", "tok_1");
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->revoked_at, std::nullopt);  // the failed roll left nothing behind
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailable) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.File("no/such/dir/x.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsInternalError) {
  std::ofstream(DbPath()) << std::string(4096, 'x');
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(DbPath());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternalError);
}

TEST_F(SqliteStoreTest, ForEachUnrevokedTokenStreamsManyRows) {
  constexpr int kTokens = 100'000;
  ASSERT_NE(OpenSqliteOrDie(DbPath()), nullptr);
  {
    RawDb raw(DbPath());
    raw.Exec("INSERT INTO accounts (id, plan, created) VALUES ('acct_1', 'default', 0)");
    raw.Exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kTokens) +
        ") INSERT INTO tokens (id, account_id, name, type, key_hash, key_prefix, last4,"
        " permissions, livemode, created, revoked_at)"
        " SELECT 'tok_' || i, 'acct_1', 'k', 'restricted', randomblob(32), 'sk_live_AbCd', 'x9Q2',"
        " 'a:b,c:*', 1, i,"
        " CASE WHEN i % 10 = 0 THEN 5 END FROM n");
  }
  std::unique_ptr<SqliteStore> store = OpenSqliteOrDie(DbPath());
  ASSERT_NE(store, nullptr);
  int count = 0;
  bool permissions_ok = true;
  ASSERT_TRUE(store
                  ->ForEachUnrevokedToken([&](TokenRow&& t) {
                    ++count;
                    permissions_ok &= t.permissions == std::vector<std::string>{"a:b", "c:*"};
                  })
                  .ok());
  EXPECT_EQ(count, kTokens - kTokens / 10);
  EXPECT_TRUE(permissions_ok);
}

}  // namespace
}  // namespace keyward
