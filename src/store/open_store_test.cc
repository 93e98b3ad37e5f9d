// OpenStore: which urls open which store, and how bad urls are refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/store.h"
#include "store/store_test_util.h"

namespace keyward {
namespace {

using testing_util::MakeAccount;
using testing_util::ScratchDir;

void ExpectRefused(const std::string& url) {
  Result<std::unique_ptr<Store>> store = OpenStore(url);
  ASSERT_FALSE(store.ok()) << url;
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidRequest) << url;
  EXPECT_FALSE(store.error().message().empty());
}

TEST(OpenStoreTest, SqliteUrlWithAbsolutePathCreatesTheDirectory) {
  ScratchDir dir;
  const std::filesystem::path file = dir.path() / "a" / "b" / "keyward.db";
  Result<std::unique_ptr<Store>> store = OpenStore("sqlite://" + file.string());
  ASSERT_TRUE(store.ok()) << store.error().message();
  ASSERT_TRUE((*store)->CreateAccount(MakeAccount("acct_1")).ok());
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST(OpenStoreTest, SqliteUrlWithRelativePathIsRelativeToTheWorkingDirectory) {
  ScratchDir dir;
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    Result<std::unique_ptr<Store>> store = OpenStore("sqlite://data/keyward.db");
    EXPECT_TRUE(store.ok()) << store.error().message();
  }
  std::filesystem::current_path(before);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / "keyward.db"));
}

TEST(OpenStoreTest, SqliteUrlInTheWorkingDirectoryNeedsNoParent) {
  ScratchDir dir;
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  {
    Result<std::unique_ptr<Store>> store = OpenStore("sqlite://keyward.db");
    EXPECT_TRUE(store.ok()) << store.error().message();
  }
  std::filesystem::current_path(before);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "keyward.db"));
}

TEST(OpenStoreTest, SqliteSynchronousOption) {
  ScratchDir dir;
  for (const char* query : {"?synchronous=full", "?synchronous=normal"}) {
    Result<std::unique_ptr<Store>> store = OpenStore("sqlite://" + dir.File("k.db") + query);
    ASSERT_TRUE(store.ok()) << query;
    EXPECT_TRUE((*store)->Ping().ok());
  }
  ExpectRefused("sqlite://" + dir.File("k.db") + "?synchronous=off");
  ExpectRefused("sqlite://" + dir.File("k.db") + "?cache=shared");
}

TEST(OpenStoreTest, BadUrlsAreInvalidRequests) {
  ExpectRefused("");
  ExpectRefused("sqlite://");
  ExpectRefused("sqlite://?synchronous=full");
  ExpectRefused("sqlite://:memory:");
  ExpectRefused("memory://");  // the in-memory store is gone: tests use SQLite on a temp file
  ExpectRefused("memory://extra");
  ExpectRefused("mysql://localhost/db");
  ExpectRefused("data/keyward.db");
}

TEST(OpenStoreTest, RefusalNeverRepeatsAPasswordFromTheUrl) {
  Result<std::unique_ptr<Store>> store = OpenStore("redis://user:hunter2@localhost/0");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().message().find("hunter2"), std::string::npos);
}

TEST(OpenStoreTest, RedactStoreUrlHidesPostgresPasswords) {
  EXPECT_EQ(RedactStoreUrl("postgres://kw:hunter2@db.internal:5432/keyward"),
            "postgres://kw:***@db.internal:5432/keyward");
  EXPECT_EQ(RedactStoreUrl("postgresql://kw:p%40ss@db/keyward?sslmode=require"),
            "postgresql://kw:***@db/keyward?sslmode=require");
  EXPECT_EQ(RedactStoreUrl("postgres://kw@db/keyward?sslmode=require&password=hunter2"),
            "postgres://kw@db/keyward?sslmode=require&password=***");
  EXPECT_EQ(RedactStoreUrl("postgres://db/keyward?password=hunter2&sslmode=require"),
            "postgres://db/keyward?password=***&sslmode=require");
  EXPECT_EQ(RedactStoreUrl("postgres://kw@db:5432/keyward"), "postgres://kw@db:5432/keyward");
  EXPECT_EQ(RedactStoreUrl("sqlite://data/keyward.db"), "sqlite://data/keyward.db");
  EXPECT_EQ(RedactStoreUrl("memory://"), "memory://");
}

TEST(OpenStoreTest, PostgresPoolSizeOutOfRangeIsRefused) {
  StoreOptions options;
  options.pool_size = 1;
  Result<std::unique_ptr<Store>> store = OpenStore("postgres://kw:pw@127.0.0.1:1/db", options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code(), ErrorCode::kInvalidRequest);
}

}  // namespace
}  // namespace keyward
