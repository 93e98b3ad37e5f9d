// What the writing services need from the cluster (ChangeNotifier, implemented by IndexSync). The
// transport between nodes, ChangeFeed and FeedBatch, lives in store/change_feed.h: Redis pub/sub
// or the store's own (Store::OpenChangeFeed). Thread-safety: see each interface.
#pragma once

#include "core/sha256.h"
#include "core/status.h"
#include "store/change_feed.h"

namespace keyward {

// What the writing services need from the cluster. Thread-safe.
class ChangeNotifier {
 public:
  virtual ~ChangeNotifier() = default;
  // Whether a management write may start: kUnavailable (with the reason) when a shared
  // dependency is down — management writes always fail closed, before touching the store.
  virtual Status CheckWritable() = 0;
  // After the store committed a change of the token with `key_hash` (and the local index has it).
  virtual void TokenChanged(const Digest& key_hash) = 0;
  // After the store committed a change of an account (its plan, overrides, status) and the local
  // AccountDirectory has it: every other node re-reads the accounts changed since it last looked.
  virtual void AccountChanged() {}
};

// The announcement that stands for "accounts changed: resync now" on the feed, which carries key
// hashes only: all 0xFF, which no key hashes to in practice (SHA-256 preimage).
inline constexpr Digest kAccountsChanged = [] {
  Digest d{};
  for (auto& b : d) b = 0xFF;
  return d;
}();

}  // namespace keyward
