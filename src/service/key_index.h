// The in-memory index of credentials by SHA-256: the hot path's only lookup.
// Sharded by digest (digests are uniform) with a reader-writer lock per shard: readers on
// different shards never contend and there is no global lock. Records are immutable; Publish()
// swaps them. A bounded negative cache remembers digests the store did not know, for a short TTL.
//
// Ordering rule that keeps revocation immediate: authoritative writes (create, revoke, roll) call
// Publish(), which always wins; cache fills after a store read call Fill(), which never replaces a
// record already present — so a slow fill can never resurrect a revoked key.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <unordered_map>

#include "core/mutex.h"
#include "core/sha256.h"
#include "service/key_record.h"

namespace keyward {

class KeyIndex {
 public:
  explicit KeyIndex(int64_t negative_ttl_ns = 2'000'000'000, size_t negative_capacity = 100'000);

  KeyRecordPtr Find(const Digest& digest) const;
  // Authoritative: replaces what is there, unless both records carry a store version and the
  // present one is newer (a change another node made later, already learnt).
  void Publish(const Digest& digest, KeyRecordPtr record);
  // Inserts unless a record is present; returns the record now in the index.
  KeyRecordPtr Fill(const Digest& digest, KeyRecordPtr record);
  // For changes learnt from another node or a resync (a store read that may be older than a local
  // write): inserts when absent; otherwise replaces only if `record` is further along. When both
  // carry a store version (the change sequence, API.md 11: updates, disable and enable move in
  // every direction), further along means a higher version; otherwise (records built without
  // one) revoked when the present one is not, or with an earlier expiry. So a late message can
  // never resurrect a key or undo a newer change. Returns true when the index changed.
  bool PublishMonotonic(const Digest& digest, KeyRecordPtr record);

  // Negative cache: was `digest` unknown to the store within the TTL?
  bool KnownMissing(const Digest& digest, int64_t now_ns) const;
  void RememberMissing(const Digest& digest, int64_t now_ns);

  size_t size() const;

  // Foreign-format keys (API.md 11.4): once a key has been imported (or keys.accept_foreign is
  // set), a credential that is not in keyward's format is looked up by its SHA-256 instead of
  // being refused by shape. Set by whoever learns of an imported key; never turns off.
  void AcceptForeign() { accepts_foreign_.store(true, std::memory_order_release); }
  bool accepts_foreign() const { return accepts_foreign_.load(std::memory_order_acquire); }
  // Removes every record for which `drop` is true; returns how many. Takes each shard's lock in
  // turn (readers of other shards go on).
  size_t EraseIf(const std::function<bool(const KeyRecord&)>& drop);

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    mutable SharedMutex mu;
    std::unordered_map<Digest, KeyRecordPtr, DigestHash> records GUARDED_BY(mu);
    std::unordered_map<Digest, int64_t, DigestHash> missing_until GUARDED_BY(mu);
  };
  Shard& ShardFor(const Digest& d) const { return shards_[d[31] % kShards]; }

  int64_t negative_ttl_ns_;
  size_t negative_capacity_per_shard_;
  mutable std::array<Shard, kShards> shards_;
  std::atomic<bool> accepts_foreign_{false};
};

}  // namespace keyward
