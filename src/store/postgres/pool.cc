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
  std::unique_lock lock(mu_);
  for (;;) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->StillUsable()) return Lease(this, std::move(conn));
      --open_;  // closed by the server (e.g. it restarted): drop it and look again
      lock.unlock();
      conn.reset();
      lock.lock();
    }
    if (open_ < options_.max_size) {
      ++open_;
      lock.unlock();
      Result<std::unique_ptr<Connection>> conn =
          Connection::Open(url_, options_.connect_timeout_seconds);
      lock.lock();
      if (!conn.ok()) {
        --open_;
        returned_.notify_one();
        return conn.error();
      }
      return Lease(this, std::move(conn).value());
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.max_size) {
      return Error(ErrorCode::kUnavailable, "PostgreSQL: all " + std::to_string(options_.max_size) +
                                                " pooled connections stayed busy");
    }
  }
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  std::unique_ptr<Connection> dropped;
  {
    std::lock_guard lock(mu_);
    if (conn->broken()) {
      --open_;
      dropped = std::move(conn);  // closed outside the lock
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  returned_.notify_one();
}

int Pool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

}  // namespace keyward::pg
