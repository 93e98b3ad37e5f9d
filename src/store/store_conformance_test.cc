// The Store contract (store.h), run against every engine: SQLite and PostgreSQL (one throwaway
// server per test process, tests/support/postgres_server.h, a fresh database per test). This file:
// the engines, accounts and credits; the other aggregates are in store_conformance_*_test.cc.
#include "store/store_conformance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/sha256.h"
#include "postgres_server.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::conformance {
namespace {

std::unique_ptr<Store> MakeSqlite(const ScratchDir& dir) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.File("keyward.db"));
  if (!store.ok()) {
    ADD_FAILURE() << store.error().message();
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> MakePostgres(const ScratchDir&) {
  try {
    keyward_test::PostgresServer::Database db =
        keyward_test::SharedPostgresServer().CreateDatabase();
    Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(db.url);
    if (!store.ok()) {
      ADD_FAILURE() << store.error().message();
      return nullptr;
    }
    return std::move(store).value();
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return nullptr;
  }
}

const StoreBackend kBackends[] = {
    {"Sqlite", MakeSqlite},
    {"Postgres", MakePostgres},
};

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::ValuesIn(kBackends),
                         BackendName);

// --- accounts ---

TEST_P(StoreConformanceTest, CreateThenGetAccountReturnsEveryField) {
  AccountRow a = MakeAccount("acct_1", "Ada@Example.com");
  ASSERT_TRUE(store().CreateAccount(a).ok());
  AccountRow unlimited = MakeAccount("acct_2", "bob@example.com");
  unlimited.credits = std::nullopt;
  unlimited.password_hash = "";
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());

  Result<std::optional<AccountRow>> got = store().GetAccount("acct_1");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(AccountFields(**got), AccountFields(a));
  got = store().GetAccount("acct_2");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(AccountFields(**got), AccountFields(unlimited));
}

TEST_P(StoreConformanceTest, UnknownAccountIsNotFoundNotAnError) {
  Result<std::optional<AccountRow>> got = store().GetAccount("acct_missing");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  got = store().GetAccountByEmail("nobody@example.com");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, GetAccountByEmailIgnoresCase) {
  CreateAccount("acct_1", "Ada@Example.com");
  Result<std::optional<AccountRow>> got = store().GetAccountByEmail("ada@EXAMPLE.COM");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "acct_1");
  EXPECT_EQ((*got)->email, "Ada@Example.com");  // stored as given
}

TEST_P(StoreConformanceTest, DuplicateEmailInAnyCaseIsInvalidRequestOnEmail) {
  CreateAccount("acct_1", "ada@example.com");
  Status s = store().CreateAccount(MakeAccount("acct_2", "ADA@example.COM"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(s.error().param(), "email");
  Result<std::optional<AccountRow>> second = store().GetAccount("acct_2");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_P(StoreConformanceTest, EmptyEmailMayRepeatAndIsNeverFound) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  CreateAccount("acct_3");
  Result<std::optional<AccountRow>> got = store().GetAccount("acct_2");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->email, "");
  got = store().GetAccountByEmail("");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, DuplicateAccountIdIsInternalError) {
  CreateAccount("acct_1", "a@example.com");
  Status s = store().CreateAccount(MakeAccount("acct_1", "b@example.com"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternalError);
}

TEST_P(StoreConformanceTest, ListAccountsEmpty) {
  Result<Page<AccountRow>> page = store().ListAccounts(Options(10));
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->has_more);
}

TEST_P(StoreConformanceTest, ListAccountsNewestFirstInPages) {
  for (int i = 1; i <= 5; ++i) CreateAccount("acct_" + std::to_string(i));

  Result<Page<AccountRow>> page = store().ListAccounts(Options(2));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_5", "acct_4"}));
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(AccountFields(page->items[0]), AccountFields(MakeAccount("acct_5")));

  page = store().ListAccounts(Options(2, "acct_4"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_3", "acct_2"}));
  EXPECT_TRUE(page->has_more);

  page = store().ListAccounts(Options(2, "acct_2"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_1"}));
  EXPECT_FALSE(page->has_more);

  page = store().ListAccounts(Options(5));  // exactly all: no more
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_FALSE(page->has_more);

  page = store().ListAccounts(Options(10, "acct_1"));  // after the oldest: empty
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->has_more);
}

TEST_P(StoreConformanceTest, ListAccountsUnknownStartingAfterIsInvalidRequest) {
  CreateAccount("acct_1");
  Result<Page<AccountRow>> page = store().ListAccounts(Options(10, "acct_missing"));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(page.error().param(), "starting_after");
}

TEST_P(StoreConformanceTest, AddCreditsAddsSubtractsAndClampsAtZero) {
  CreateAccount("acct_1");  // 100 credits
  Result<std::optional<AccountRow>> a = store().AddCredits("acct_1", 50);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 150);
  a = store().AddCredits("acct_1", -30);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 120);
  a = store().AddCredits("acct_1", -1000);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
  EXPECT_EQ((*a)->credits_used, 7);  // untouched
  a = store().AddCredits("acct_1", 0);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);

  a = store().GetAccount("acct_1");  // the change is stored, not only returned
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
}

TEST_P(StoreConformanceTest, AddCreditsSaturatesInsteadOfOverflowing) {
  CreateAccount("acct_1");
  Result<std::optional<AccountRow>> a =
      store().AddCredits("acct_1", std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, std::numeric_limits<int64_t>::max());
  a = store().AddCredits("acct_1", std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
}

TEST_P(StoreConformanceTest, AddCreditsLeavesUnlimitedUnlimited) {
  AccountRow unlimited = MakeAccount("acct_1");
  unlimited.credits = std::nullopt;
  unlimited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());
  for (int64_t amount : {int64_t{50}, int64_t{-50}, int64_t{-1'000'000}}) {
    Result<std::optional<AccountRow>> a = store().AddCredits("acct_1", amount);
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ((*a)->credits, std::nullopt);
  }
}

TEST_P(StoreConformanceTest, AddCreditsToUnknownAccountIsNullopt) {
  Result<std::optional<AccountRow>> a = store().AddCredits("acct_missing", 10);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->has_value());
}

// --- credit usage ---

TEST_P(StoreConformanceTest, RecordCreditUsageChargesAndCountsButNeverGoesNegative) {
  AccountRow limited = MakeAccount("acct_l", "l@example.com");
  limited.credits = 10;
  limited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(limited).ok());
  AccountRow unlimited = MakeAccount("acct_u", "u@example.com");
  unlimited.credits = std::nullopt;
  unlimited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());
  ASSERT_TRUE(store().RecordCreditUsage({{"acct_l", 4}, {"acct_u", 7}, {"acct_missing", 1}}).ok());
  auto l = store().GetAccount("acct_l");
  ASSERT_TRUE(l.ok() && l->has_value());
  EXPECT_EQ((*l)->credits, 6);
  EXPECT_EQ((*l)->credits_used, 4);
  auto u = store().GetAccount("acct_u");
  EXPECT_EQ((*u)->credits, std::nullopt);
  EXPECT_EQ((*u)->credits_used, 7);
  ASSERT_TRUE(store().RecordCreditUsage({{"acct_l", 100}}).ok());
  l = store().GetAccount("acct_l");
  EXPECT_EQ((*l)->credits, 0);
  EXPECT_EQ((*l)->credits_used, 104);
}

}  // namespace
}  // namespace keyward::conformance
