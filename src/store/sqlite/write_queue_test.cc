// WriteQueue: changes commit, a failing change is undone alone even when it shares a batch, and a
// batch that cannot start fails as a whole.
#include "store/sqlite/write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "store/store_test_util.h"

namespace keyward::sqlite {
namespace {

using testing_util::ScratchDir;

class WriteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<Connection>> conn = Connection::Open(
        dir_.File("q.db"), Connection::Mode::kReadWrite, Synchronous::kNormal, 100);
    ASSERT_TRUE(conn.ok()) << conn.error().message();
    conn_ = std::move(conn).value();
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t (v INTEGER PRIMARY KEY)", "create").ok());
    queue_ = std::make_unique<WriteQueue>(*conn_);
  }

  static Status Insert(Connection& conn, int64_t v) {
    static constexpr char kInsert[] = "INSERT INTO t (v) VALUES (?1)";
    Result<Stmt> stmt = conn.Prepare(kInsert);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, v);
    return stmt->Run();
  }

  // The values in t, read on a separate connection (so only committed rows count).
  std::set<int64_t> Committed() {
    Result<std::unique_ptr<Connection>> reader =
        Connection::Open(dir_.File("q.db"), Connection::Mode::kReadOnly, Synchronous::kNormal, 100);
    EXPECT_TRUE(reader.ok());
    std::set<int64_t> values;
    if (!reader.ok()) return values;
    static constexpr char kSelect[] = "SELECT v FROM t";
    Result<Stmt> stmt = (*reader)->Prepare(kSelect);
    EXPECT_TRUE(stmt.ok());
    while (stmt.ok()) {
      Result<bool> row = stmt->Step();
      if (!row.ok() || !*row) break;
      values.insert(stmt->Int(0));
    }
    return values;
  }

  ScratchDir dir_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<WriteQueue> queue_;
};

TEST_F(WriteQueueTest, ChangeRunsInATransactionAndCommits) {
  bool in_transaction = false;
  Status s = queue_->Run([&](Connection& conn) {
    in_transaction = sqlite3_get_autocommit(conn.raw()) == 0;
    return Insert(conn, 1);
  });
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(in_transaction);
  EXPECT_EQ(Committed(), (std::set<int64_t>{1}));
}

TEST_F(WriteQueueTest, FailingChangeIsUndoneAlone) {
  Status s = queue_->Run([&](Connection& conn) -> Status {
    if (Status i = Insert(conn, 1); !i.ok()) return i;
    return Error(ErrorCode::kInvalidRequest, "changed my mind");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_TRUE(Committed().empty());
  EXPECT_TRUE(queue_->Run([](Connection& conn) { return Insert(conn, 2); }).ok());
  EXPECT_EQ(Committed(), (std::set<int64_t>{2}));
}

TEST_F(WriteQueueTest, ConcurrentChangesShareABatchAndFailIndependently) {
  // A first change holds the leader role until three more writers are queued behind it; those
  // three then run as one batch on one thread. The middle one fails after writing.
  std::atomic<bool> blocker_running{false};
  std::atomic<bool> release{false};
  std::thread first([&] {
    Status s = queue_->Run([&](Connection& conn) {
      blocker_running = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return Insert(conn, 0);
    });
    EXPECT_TRUE(s.ok());
  });
  while (!blocker_running) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  std::mutex mu;
  std::set<std::thread::id> ran_on;
  Status results[3] = {Status::Ok(), Status::Ok(), Status::Ok()};
  std::vector<std::thread> writers;
  for (int i = 1; i <= 3; ++i) {
    writers.emplace_back([&, i] {
      results[i - 1] = queue_->Run([&, i](Connection& conn) -> Status {
        {
          std::lock_guard lock(mu);
          ran_on.insert(std::this_thread::get_id());
        }
        if (Status s = Insert(conn, i); !s.ok()) return s;
        if (i == 2) return Insert(conn, 0);  // duplicate key: fails, and must take 2 with it
        return Status::Ok();
      });
    });
  }
  while (queue_->Waiting() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  release = true;
  first.join();
  for (std::thread& t : writers) t.join();

  EXPECT_EQ(ran_on.size(), 1u);  // one leader ran the whole batch
  EXPECT_TRUE(results[0].ok());
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error().code(), ErrorCode::kInternalError);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(Committed(), (std::set<int64_t>{0, 1, 3}));
}

TEST_F(WriteQueueTest, BatchThatCannotBeginFailsUnavailable) {
  Result<std::unique_ptr<Connection>> other =
      Connection::Open(dir_.File("q.db"), Connection::Mode::kReadWrite, Synchronous::kNormal, 100);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("BEGIN IMMEDIATE", "begin").ok());
  bool ran = false;
  Status s = queue_->Run([&](Connection& conn) {
    ran = true;
    return Insert(conn, 1);
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(ran);
  ASSERT_TRUE((*other)->Exec("COMMIT", "commit").ok());
  EXPECT_TRUE(queue_->Run([](Connection& conn) { return Insert(conn, 1); }).ok());
  EXPECT_EQ(Committed(), (std::set<int64_t>{1}));
}

TEST_F(WriteQueueTest, ManyThreadsAllCommit) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(queue_->Run([&](Connection& conn) { return Insert(conn, t * 100 + i); }).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(Committed().size(), 800u);
}

}  // namespace
}  // namespace keyward::sqlite
