// ChangeFeed over PostgreSQL LISTEN/NOTIFY, for clusters whose nodes share a PostgreSQL store
// without Redis: Announce() NOTIFYs the key hash (hex) on a channel through the store's pool
// (PostgresStore::Notify); Receive() waits on this node's own listening connection
// (PostgresListener, opened with PostgresStore::Listen on first use).
//
// A notification reaches only the listeners connected when it commits, so FeedBatch::resubscribed
// is set on the first successful connection and on every reconnection after a kUnavailable: the
// receiver (IndexSync) then resyncs from the store and nothing sent in between is missed.
// Channels are per database: nodes on other databases of the same server never hear each other.
// Thread-safety: Announce() from any thread; Receive() from one thread at a time (IndexSync's).
#pragma once

#include <memory>
#include <string>

#include "store/change_feed.h"
#include "store/postgres/postgres_store.h"

namespace keyward {

class PostgresChangeFeed final : public ChangeFeed {
 public:
  // The channel every node of a cluster listens on (one per database).
  static constexpr char kDefaultChannel[] = "keyward_changes";

  // `store` must outlive the feed. `channel`: 1..63 of [a-z0-9_] (else Receive() fails).
  explicit PostgresChangeFeed(PostgresStore& store, std::string channel = kDefaultChannel);

  Status Announce(const Digest& key_hash) override;
  Result<FeedBatch> Receive(std::chrono::milliseconds wait) override;

 private:
  PostgresStore& store_;
  const std::string channel_;
  std::unique_ptr<PostgresListener> listener_;  // null until the first connection
  bool subscribed_ = false;  // false until the first connection and after every kUnavailable
};

}  // namespace keyward
