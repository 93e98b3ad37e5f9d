// What /readyz and the keyward_ready gauge say: whether this node may take traffic. Ready once the
// key index is loaded (MarkLoaded), the store and Redis (when configured) answer a ping, and the
// change feed (when there is one) has caught up. Thread-safe; Check() pings, so it blocks for at
// most the store's and Redis's timeouts.
#pragma once

#include <atomic>
#include <functional>
#include <utility>

#include "core/status.h"
#include "service/index_sync.h"
#include "store/store.h"

namespace keyward {

class ReadinessProbe {
 public:
  // `ping_redis` is empty and `sync` null when not configured; all must outlive the probe.
  ReadinessProbe(Store& store, std::function<Status()> ping_redis, const IndexSync* sync)
      : store_(store), ping_redis_(std::move(ping_redis)), sync_(sync) {}

  void MarkLoaded() { loaded_.store(true, std::memory_order_release); }
  // The index is loaded (no ping).
  bool ready() const { return loaded_.load(std::memory_order_acquire); }
  // OK, or kUnavailable with the reason (index loading, store or Redis down, change feed not
  // caught up).
  Status Check() const;

 private:
  Store& store_;
  const std::function<Status()> ping_redis_;
  const IndexSync* const sync_;
  std::atomic<bool> loaded_{false};
};

}  // namespace keyward
