// PostgresStore beyond the shared contract: several stores on one database behave like several
// nodes (migrations once, idempotency claims and credit top-ups atomic across them), a server
// restart is survived, failures are the documented Status values. Uses the shared test server.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "postgres_server.h"
#include "store/postgres/connection.h"
#include "store/postgres/migrations.h"
#include "store/store_test_util.h"

namespace keyward {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
using testing_util::MakeAccount;
using testing_util::MakeToken;

std::unique_ptr<PostgresStore> OpenPostgresOrDie(const std::string& url,
                                                 PostgresOptions options = {}) {
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(url, options);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

int64_t QueryInt(const std::string& url, const std::string& sql) {
  Result<std::unique_ptr<pg::Connection>> conn = pg::Connection::Open(url, 5);
  EXPECT_TRUE(conn.ok());
  if (!conn.ok()) return -1;
  Result<pg::Rows> rows = (*conn)->Exec(sql);
  EXPECT_TRUE(rows.ok()) << rows.error().message();
  return rows.ok() && !rows->empty() ? rows->Int(0, 0) : -1;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = SharedPostgresServer().CreateDatabase(); }
  PostgresServer::Database db_;
};

TEST_F(PostgresStoreTest, NodesStartingAtOnceOnAnEmptyDatabaseMigrateItOnce) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<PostgresStore>> stores(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { stores[i] = OpenPostgresOrDie(db_.url); });
  }
  for (std::thread& t : threads) t.join();
  for (auto& s : stores) ASSERT_NE(s, nullptr);
  EXPECT_EQ(QueryInt(db_.url, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(pg::Migrations().size()));
  EXPECT_EQ(QueryInt(db_.url, "SELECT MAX(version) FROM schema_migrations"),
            static_cast<int64_t>(pg::Migrations().size()));
  ASSERT_TRUE(stores[0]->CreateAccount(MakeAccount("acct_1")).ok());
  Result<std::optional<AccountRow>> seen = stores[3]->GetAccount("acct_1");
  ASSERT_TRUE(seen.ok() && seen->has_value());
}

TEST_F(PostgresStoreTest, ReopeningAMigratedDatabaseKeepsItsData) {
  {
    auto store = OpenPostgresOrDie(db_.url);
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1", "a@example.com")).ok());
  }
  auto again = OpenPostgresOrDie(db_.url);
  ASSERT_NE(again, nullptr);
  Result<std::optional<AccountRow>> a = again->GetAccountByEmail("A@EXAMPLE.COM");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->id, "acct_1");
  EXPECT_EQ(QueryInt(db_.url, "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(pg::Migrations().size()));
}

TEST_F(PostgresStoreTest, ADatabaseFromANewerVersionIsRefused) {
  ASSERT_NE(OpenPostgresOrDie(db_.url), nullptr);
  SharedPostgresServer().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)",
                              db_.name);
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(db_.url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInternalError);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos);
}

TEST_F(PostgresStoreTest, TheRoleNeedsNoPrivilegesBeyondOwningItsDatabase) {
  ASSERT_NE(OpenPostgresOrDie(db_.url), nullptr);
  EXPECT_EQ(QueryInt(db_.url,
                     "SELECT COUNT(*) FROM pg_roles WHERE rolname = current_user AND NOT rolsuper"
                     " AND NOT rolcreatedb AND NOT rolcreaterole"),
            1);
}

TEST_F(PostgresStoreTest, TwoNodesClaimingTheSameIdempotencyKeyExactlyOneWins) {
  auto a = OpenPostgresOrDie(db_.url);
  auto b = OpenPostgresOrDie(db_.url);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  constexpr int kRounds = 20;
  constexpr int kThreadsPerNode = 3;
  for (int round = 0; round < kRounds; ++round) {
    IdempotencyRecord claim;
    claim.scope = "acct_1";
    claim.key = "key-" + std::to_string(round);
    claim.fingerprint[0] = 1;
    claim.created = 1'800'000'000;
    std::atomic<int> won{0};
    std::atomic<int> failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 2 * kThreadsPerNode; ++t) {
      PostgresStore* node = t % 2 == 0 ? a.get() : b.get();
      threads.emplace_back([&, node] {
        Result<IdempotencyClaim> r = node->ClaimIdempotencyKey(claim, claim.created - 60);
        if (!r.ok()) {
          ++failed;
        } else if (r->claimed) {
          ++won;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(failed.load(), 0) << "round " << round;
    EXPECT_EQ(won.load(), 1) << "round " << round;
  }
}

TEST_F(PostgresStoreTest, CreditTopUpsFromTwoNodesAllLandAndNeverGoBelowZero) {
  auto a = OpenPostgresOrDie(db_.url);
  auto b = OpenPostgresOrDie(db_.url);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  AccountRow account = MakeAccount("acct_1");
  account.credits = 0;
  ASSERT_TRUE(a->CreateAccount(account).ok());
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  auto hammer = [&](int64_t amount) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      PostgresStore* node = t % 2 == 0 ? a.get() : b.get();
      threads.emplace_back([&, node] {
        for (int i = 0; i < kEach; ++i) EXPECT_TRUE(node->AddCredits("acct_1", amount).ok());
      });
    }
    for (std::thread& t : threads) t.join();
  };
  hammer(+3);
  Result<std::optional<AccountRow>> got = b->GetAccount("acct_1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->credits, 3 * kThreads * kEach);
  hammer(-5);  // asks for more than there is: clamps at zero
  got = a->GetAccount("acct_1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->credits, 0);
}

TEST_F(PostgresStoreTest, AServerRestartGivesUnavailableThenTheStoreReconnectsByItself) {
  auto store = OpenPostgresOrDie(db_.url);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1")).ok());
  ASSERT_TRUE(store->Ping().ok());

  PostgresServer& server = SharedPostgresServer();
  keyward_test::ScopedStop stopped(server);

  Status ping = store->Ping();
  ASSERT_FALSE(ping.ok());
  EXPECT_EQ(ping.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(ping.error().message().find("PostgreSQL is unreachable"), std::string::npos)
      << ping.error().message();
  EXPECT_EQ(ping.error().message().find(db_.password), std::string::npos);
  Status write = store->CreateAccount(MakeAccount("acct_2"));
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code(), ErrorCode::kUnavailable);
  Result<std::optional<AccountRow>> read = store->GetAccount("acct_1");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kUnavailable);

  server.Start();
  EXPECT_TRUE(store->Ping().ok());  // the first call after the restart already works
  EXPECT_TRUE(store->CreateAccount(MakeAccount("acct_2")).ok());
  read = store->GetAccount("acct_1");
  ASSERT_TRUE(read.ok() && read->has_value());
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailableWithoutThePassword) {
  // Port 1 on loopback: nothing listens there.
  Result<std::unique_ptr<PostgresStore>> store =
      PostgresStore::Open("postgres://someone:hunter2-secret@127.0.0.1:1/keyward");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message().find("PostgreSQL is unreachable"), std::string::npos);
  EXPECT_EQ(store.error().message().find("hunter2"), std::string::npos);
  EXPECT_EQ(store.error().message().find("127.0.0.1"), std::string::npos);
}

TEST_F(PostgresStoreTest, WrongPasswordIsUnavailableAndSaysSo) {
  std::string url = db_.url;
  url.replace(url.find(db_.password), db_.password.size(), "wrong");
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(url);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(store.error().message().find("password authentication failed"), std::string::npos)
      << store.error().message();
}

TEST_F(PostgresStoreTest, TextWithANulCharacterIsInvalidRequestAndWritesNothing) {
  auto store = OpenPostgresOrDie(db_.url);
  ASSERT_NE(store, nullptr);
  AccountRow a = MakeAccount("acct_1");
  a.name = std::string("bad\0name", 8);
  Status s = store->CreateAccount(a);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidRequest);
  Result<std::optional<AccountRow>> got = store->GetAccount("acct_1");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_F(PostgresStoreTest, ForEachMayUseTheStoreWithTheSmallestPool) {
  PostgresOptions options;
  options.pool_size = 2;
  auto store = OpenPostgresOrDie(db_.url, options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAccount(MakeAccount("acct_1")).ok());
  std::vector<TokenRow> tokens;
  for (int i = 0; i < 150; ++i)
    tokens.push_back(MakeToken("tok_" + std::to_string(i), "acct_1", i));
  ASSERT_TRUE(store->InsertTokens(tokens).ok());  // two 64-row batches and 22 single rows
  int seen = 0;
  int found = 0;
  ASSERT_TRUE(store
                  ->ForEachUnrevokedToken([&](TokenRow&& t) {
                    ++seen;
                    auto again = store->GetToken("acct_1", t.id);
                    if (again.ok() && again->has_value()) ++found;
                  })
                  .ok());
  EXPECT_EQ(seen, 150);
  EXPECT_EQ(found, 150);
}

}  // namespace
}  // namespace keyward
