// What SQLite's failures become: UNAVAILABLE (full, read-only, busy) or INTERNAL_ERROR, always with
// a public sentence of ours; SQLite's own words only in Error::internal().
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/sqlite/connection.h"
#include "store/store_test_util.h"

namespace keyward::sqlite {
namespace {

using testing_util::ScratchDir;

std::unique_ptr<Connection> OpenWritable(const std::string& path, int busy_timeout_ms = 0) {
  auto conn =
      Connection::Open(path, Connection::Mode::kReadWrite, Synchronous::kNormal, busy_timeout_ms);
  EXPECT_TRUE(conn.ok()) << (conn.ok() ? "" : conn.error().ForLog());
  return conn.ok() ? std::move(*conn) : nullptr;
}

TEST(SqliteErrors, AFullDatabaseIsUnavailableWithOurSentence) {
  ScratchDir dir;
  auto conn = OpenWritable(dir.File("full.db"));
  ASSERT_NE(conn, nullptr);
  ASSERT_TRUE(conn->Exec("CREATE TABLE t(x BLOB)", "create").ok());
  // Cap the file at (about) its current size: the next large insert cannot fit.
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(conn->raw(), "PRAGMA page_count", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  const std::string cap =
      "PRAGMA max_page_count = " + std::to_string(sqlite3_column_int64(count, 0) + 2);
  sqlite3_finalize(count);
  ASSERT_TRUE(conn->Exec(cap.c_str(), "cap").ok());

  Status st = Status::Ok();
  for (int i = 0; i < 10 && st.ok(); ++i) {
    st = conn->Exec("INSERT INTO t VALUES (zeroblob(200000))", "insert");
  }
  ASSERT_FALSE(st.ok()) << "the capped database never filled up";
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(st.error().message(), "The store is full; writes are refused until space is freed.");
  EXPECT_NE(st.error().internal().find("full"), std::string::npos) << st.error().internal();
  EXPECT_EQ(st.error().message().find("sqlite"), std::string::npos);
  EXPECT_EQ(st.error().message().find("disk is full"), std::string::npos);
}

TEST(SqliteErrors, ALockedDatabaseIsUnavailable) {
  ScratchDir dir;
  auto holder = OpenWritable(dir.File("busy.db"));
  auto other = OpenWritable(dir.File("busy.db"), /*busy_timeout_ms=*/0);
  ASSERT_NE(holder, nullptr);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(holder->Exec("BEGIN IMMEDIATE", "begin").ok());
  Status st = other->Exec("BEGIN IMMEDIATE", "begin");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(st.error().message(), "The store is busy; try again shortly.");
  EXPECT_NE(st.error().internal().find("locked"), std::string::npos) << st.error().internal();
  ASSERT_TRUE(holder->Exec("ROLLBACK", "rollback").ok());
}

TEST(SqliteErrors, AnythingElseIsInternalWithOurSentence) {
  ScratchDir dir;
  auto conn = OpenWritable(dir.File("x.db"));
  ASSERT_NE(conn, nullptr);
  Status st = conn->Exec("SELECT * FROM no_such_table", "select");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInternalError);
  EXPECT_EQ(st.error().message(), "The store failed to complete the operation.");
  EXPECT_NE(st.error().internal().find("no such table"), std::string::npos);
  EXPECT_NE(st.error().internal().find("select"), std::string::npos);
}

TEST(SqliteErrors, ResultCodesWithoutAConnection) {
  const Error readonly = SqliteError(nullptr, SQLITE_READONLY, "write");
  EXPECT_EQ(readonly.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(readonly.message(), "The store is read-only; writes are refused until it is writable.");
  EXPECT_NE(readonly.internal().find("readonly"), std::string::npos) << readonly.internal();
  EXPECT_EQ(SqliteError(nullptr, SQLITE_IOERR_WRITE, "write").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(SqliteError(nullptr, SQLITE_CANTOPEN, "open").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(SqliteError(nullptr, SQLITE_CORRUPT, "read").code(), ErrorCode::kInternalError);
}

}  // namespace
}  // namespace keyward::sqlite
