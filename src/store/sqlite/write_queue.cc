#include "store/sqlite/write_queue.h"

#include <exception>
#include <string>

namespace keyward::sqlite {
namespace {

constexpr char kBegin[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";
constexpr char kSavepoint[] = "SAVEPOINT change";
constexpr char kRelease[] = "RELEASE change";
constexpr char kRollbackTo[] = "ROLLBACK TO change";

Status RunSql(Connection& conn, const char* sql) {
  Result<Stmt> stmt = conn.Prepare(sql);
  if (!stmt.ok()) return stmt.error();
  return stmt->Run();
}

bool InTransaction(Connection& conn) {
  return sqlite3_get_autocommit(conn.raw()) == 0;
}

Status Apply(const WriteQueue::Change& change, Connection& conn) {
  try {
    return change(conn);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternalError, std::string("sqlite: write failed: ") + e.what());
  }
}

}  // namespace

Status WriteQueue::Run(const Change& change) {
  Pending me{&change, Status::Ok()};
  mu_.Lock();
  waiting_.push_back(&me);
  while (!me.done) {
    if (leading_) {
      finished_.Wait(mu_);
      continue;
    }
    // No leader and `me` not done: `me` is still waiting, so this thread leads the next batch.
    leading_ = true;
    std::vector<Pending*> batch;
    while (!waiting_.empty() && batch.size() < max_batch_) {
      batch.push_back(waiting_.front());
      waiting_.pop_front();
    }
    mu_.Unlock();
    RunBatch(batch);
    mu_.Lock();
    for (Pending* p : batch) p->done = true;
    leading_ = false;
    finished_.SignalAll();
  }
  mu_.Unlock();
  return me.result;
}

size_t WriteQueue::Waiting() {
  MutexLock lock(mu_);
  return waiting_.size();
}

void WriteQueue::RunBatch(const std::vector<Pending*>& batch) {
  // `fatal` is a failure that ends the batch: nothing of it is kept and every change reports it.
  Status fatal = RunSql(conn_, kBegin);
  for (Pending* p : batch) {
    if (!fatal.ok()) break;
    if (fatal = RunSql(conn_, kSavepoint); !fatal.ok()) break;
    p->result = Apply(*p->change, conn_);
    if (!InTransaction(conn_)) {  // the failure aborted the whole transaction (I/O, disk full)
      fatal = p->result.ok() ? Status(Error(ErrorCode::kInternalError,
                                            "sqlite: write transaction ended unexpectedly"))
                             : p->result;
      break;
    }
    if (!p->result.ok()) {  // undo this change alone
      if (fatal = RunSql(conn_, kRollbackTo); !fatal.ok()) break;
    }
    fatal = RunSql(conn_, kRelease);
  }
  if (fatal.ok()) fatal = RunSql(conn_, kCommit);
  if (!fatal.ok()) {
    if (InTransaction(conn_)) (void)RunSql(conn_, kRollback);
    for (Pending* p : batch) p->result = fatal;
  }
}

}  // namespace keyward::sqlite
