// The change feed of nodes that share a SQLite file without Redis (one host: several nodes, or one
// node and the CLI): there is no transport, so nothing is announced and nothing arrives — IndexSync
// learns every change from its periodic resync of the store's change sequence
// (Store::ForEachTokenChangedAfter), which Services runs every kStorePollInterval for this feed.
// So a revocation made by `keyward tokens revoke` reaches the running server within a second.
// Thread-safety: stateless apart from the wait; Receive() from one thread at a time.
#pragma once

#include <chrono>

#include "core/mutex.h"
#include "store/change_feed.h"

namespace keyward {

class StorePollFeed final : public ChangeFeed {
 public:
  static constexpr std::chrono::milliseconds kStorePollInterval{500};

  Status Announce(const Digest&) override { return Status::Ok(); }
  // Waits `wait` and returns nothing (the first call returns at once, so that the first resync
  // runs as soon as the node has loaded).
  Result<FeedBatch> Receive(std::chrono::milliseconds wait) override;

 private:
  Mutex mu_;
  CondVar cv_;
  bool first_ GUARDED_BY(mu_) = true;
};

}  // namespace keyward
