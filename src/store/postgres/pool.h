// A small, bounded pool of PostgreSQL connections, opened lazily and shared by all threads.
//
// Acquire() hands out an idle connection (checking first that the server has not closed it — after
// a server restart every idle connection is dead and is replaced by a fresh one), opens a new one
// while fewer than `max_size` are open, or waits up to `acquire_timeout` for one to come back.
// A lease returns its connection on destruction, or drops it when it broke, so the pool reconnects
// on the next Acquire() by itself.
//
// Thread-safety: Acquire() may be called from any thread; a Lease and its connection belong to the
// thread that acquired it until it is destroyed. The pool must outlive its leases.
// Errors: kUnavailable when the server cannot be reached or every connection stays busy.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "core/status.h"
#include "store/postgres/connection.h"

namespace keyward::pg {

struct PoolOptions {
  int max_size = 8;                                 // connections open at most
  std::chrono::milliseconds acquire_timeout{5000};  // wait for a busy pool before kUnavailable
  int connect_timeout_seconds = 5;                  // libpq connect_timeout unless the URL sets one
};

class Pool {
 public:
  Pool(std::string url, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Result<Lease> Acquire();

  int open_connections() const;  // for tests

 private:
  void Return(std::unique_ptr<Connection> conn);

  const std::string url_;
  const PoolOptions options_;
  mutable Mutex mu_;
  CondVar returned_;
  std::vector<std::unique_ptr<Connection>> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle + leased + connecting
};

}  // namespace keyward::pg
