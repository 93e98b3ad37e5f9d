// Change propagation between nodes that share one store (DESIGN.md "Writes"): after a write that
// changes who may do what commits, the writer announces it; every node's IndexSync receives the
// announcement, re-reads the token from the store and updates its KeyIndex.
//
// ChangeFeed is the transport: Redis pub/sub (RedisChangeFeed) when Redis is configured, else the
// store's own when it has one (Store::OpenChangeFeed: PostgreSQL LISTEN/NOTIFY). Announcements
// carry only the token's key hash — never a secret, and a receiver always takes the state from the
// store, so a message can be lost, duplicated or reordered without harm (IndexSync also resyncs
// from the store periodically). Thread-safety: Announce() may be called from any thread; Receive()
// from one thread at a time.
#pragma once

#include <chrono>
#include <vector>

#include "core/sha256.h"
#include "core/status.h"

namespace keyward {

struct FeedBatch {
  std::vector<Digest> changed;  // key hashes announced (by any node, this one included)
  bool resubscribed = false;    // the feed (re)connected during this call: announcements made
                                // while it was down are lost, so the receiver must resync
};

class ChangeFeed {
 public:
  virtual ~ChangeFeed() = default;
  // Tells every node that the token with `key_hash` changed. kUnavailable when the transport is
  // down (the change still reaches other nodes through their periodic resync).
  virtual Status Announce(const Digest& key_hash) = 0;
  // Waits up to `wait` for announcements and returns what arrived (possibly nothing). Connects
  // first when not connected; kUnavailable when that fails or the connection broke.
  virtual Result<FeedBatch> Receive(std::chrono::milliseconds wait) = 0;
};

}  // namespace keyward
