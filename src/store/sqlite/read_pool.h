// A small pool of read-only SQLite connections, opened lazily up to a maximum and handed out one
// caller at a time, so that reads run beside the single writer (WAL) instead of queueing behind it.
//
// Thread-safety: Acquire() may be called from any thread; a caller waits while every connection
// is in use. A Lease gives its holder exclusive use of one connection until it is destroyed.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "store/sqlite/connection.h"

namespace keyward::sqlite {

class ReadPool {
 public:
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  ReadPool(std::string path, Synchronous sync, int busy_timeout_ms, int max_connections);

  // An idle connection, a newly opened one while fewer than the maximum exist, or (when all are
  // busy) the next one released. Fails only when a new connection cannot be opened.
  Result<Lease> Acquire();

 private:
  void Release(std::unique_ptr<Connection> conn);

  const std::string path_;
  const Synchronous sync_;
  const int busy_timeout_ms_;
  const int max_connections_;

  Mutex mu_;
  CondVar released_;
  std::vector<std::unique_ptr<Connection>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle and leased
};

}  // namespace keyward::sqlite
