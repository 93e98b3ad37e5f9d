// Group commit for the single writer connection. Writers hand their change to the queue; one of
// them at a time (the leader) takes every change waiting, runs them in one BEGIN IMMEDIATE
// transaction — each inside its own SAVEPOINT, so a change that fails is undone alone — and
// commits once. Under concurrency many changes share one commit (one fsync with
// synchronous=FULL); alone, a change costs what an autocommit statement would.
//
// Thread-safety: Run() may be called from any thread. Only the current leader touches the
// connection, so the connection needs no other lock; a change runs on the leader's thread while
// its caller waits, and must not call Run() itself.
// Durability: Run() returns OK only after the transaction holding the change has committed.
// Failure: a change's own error is returned to its caller alone; when BEGIN or COMMIT fails (or a
// failure aborts the whole transaction) every change of the batch gets that error and none is
// kept.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "store/sqlite/connection.h"

namespace keyward::sqlite {

class WriteQueue {
 public:
  using Change = std::function<Status(Connection&)>;

  // `conn` (read-write) must outlive the queue.
  explicit WriteQueue(Connection& conn, size_t max_batch = 64)
      : conn_(conn), max_batch_(max_batch) {}

  // Runs `change` inside a write transaction on the connection and waits for the commit.
  Status Run(const Change& change);

  // How many changes are queued and not yet taken by a leader (for metrics and tests).
  size_t Waiting();

 private:
  struct Pending {
    const Change* change;
    Status result;
    bool done = false;  // guarded by mu_
  };

  void RunBatch(const std::vector<Pending*>& batch);  // leader only, without mu_

  Connection& conn_;
  const size_t max_batch_;

  Mutex mu_;
  CondVar finished_;
  std::deque<Pending*> waiting_ GUARDED_BY(mu_);
  bool leading_ GUARDED_BY(mu_) = false;  // someone is running a batch
};

}  // namespace keyward::sqlite
