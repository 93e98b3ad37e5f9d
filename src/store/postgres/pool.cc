#include "store/postgres/pool.h"

#include <utility>

namespace keyward::pg {

namespace {
PoolOptions Checked(PoolOptions options) {
  if (options.max_size < 1) options.max_size = 1;
  return options;
}
}  // namespace

Pool::Pool(std::string url, PoolOptions options)
    : url_(std::move(url)), options_(Checked(options)) {}

Pool::~Pool() = default;

Pool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Return(std::move(conn_));
}

Result<Pool::Lease> Pool::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  MutexLock lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->StillUsable()) return Lease(this, std::move(conn));
      --open_;  // closed by the server (e.g. it restarted): drop it and look again
      lock.Unlock();
      conn.reset();
      lock.Lock();
    }
    if (open_ < options_.max_size) {
      ++open_;
      lock.Unlock();
      Result<std::unique_ptr<Connection>> conn =
          Connection::Open(url_, options_.connect_timeout_seconds);
      lock.Lock();
      if (!conn.ok()) {
        --open_;
        returned_.Signal();
        return conn.error();
      }
      return Lease(this, std::move(conn).value());
    }
    if (!returned_.WaitUntil(mu_, deadline) && idle_.empty() && open_ >= options_.max_size) {
      return Error(ErrorCode::kUnavailable, "PostgreSQL: all " + std::to_string(options_.max_size) +
                                                " pooled connections stayed busy");
    }
  }
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  std::unique_ptr<Connection> dropped;
  {
    MutexLock lock(mu_);
    if (conn->broken()) {
      --open_;
      dropped = std::move(conn);  // closed outside the lock
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  returned_.Signal();
}

int Pool::open_connections() const {
  MutexLock lock(mu_);
  return open_;
}

}  // namespace keyward::pg
