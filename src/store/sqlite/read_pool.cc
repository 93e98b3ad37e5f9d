#include "store/sqlite/read_pool.h"

#include <utility>

namespace keyward::sqlite {

ReadPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_));
}

ReadPool::ReadPool(std::string path, Synchronous sync, int busy_timeout_ms, int max_connections)
    : path_(std::move(path)),
      sync_(sync),
      busy_timeout_ms_(busy_timeout_ms),
      max_connections_(max_connections < 1 ? 1 : max_connections) {}

Result<ReadPool::Lease> ReadPool::Acquire() {
  {
    MutexLock lock(mu_);
    released_.Wait(mu_, [&]() REQUIRES(mu_) { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve a slot; opened outside the lock
  }
  Result<std::unique_ptr<Connection>> conn =
      Connection::Open(path_, Connection::Mode::kReadOnly, sync_, busy_timeout_ms_);
  if (!conn.ok()) {
    {
      MutexLock lock(mu_);
      --open_;
    }
    released_.Signal();
    return conn.error();
  }
  return Lease(this, std::move(conn).value());
}

void ReadPool::Release(std::unique_ptr<Connection> conn) {
  {
    MutexLock lock(mu_);
    idle_.push_back(std::move(conn));
  }
  released_.Signal();
}

}  // namespace keyward::sqlite
