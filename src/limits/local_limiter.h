// The in-process Limiter: GCRA buckets (core/gcra.h) in memory, exact within one process.
// Thread-safety: safe to call from any thread. Buckets live in kShards shards, each guarded by its
// own mutex; a Take locks only the shards its buckets hash to, in ascending shard order (so two
// Takes can never deadlock), decides every bucket, and stores new state only if all allow.
// Memory: a bucket whose TAT is not after `now` is full, which is the same as absent, so such
// entries are swept from a shard once it holds more than its share of `max_entries`. Entries of
// buckets still refilling are never dropped (that would let their owner exceed the limit): memory
// is bounded by the number of buckets used within one window, and sweeps are amortised.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

#include "core/mutex.h"
#include "limits/limiter.h"

namespace keyward {

class LocalLimiter final : public Limiter {
 public:
  static constexpr size_t kShards = 64;
  static constexpr size_t kDefaultMaxEntries = size_t{1} << 20;

  explicit LocalLimiter(size_t max_entries = kDefaultMaxEntries);

  LimitOutcome Take(std::span<const BucketRequest> requests, int64_t now_ns) override;

  // Buckets currently held (full buckets not yet swept included); for tests and metrics.
  size_t EntryCount() const;

 private:
  // Transparent hashing: look buckets up by string_view without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const noexcept {
      return std::hash<std::string_view>{}(k);
    }
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, int64_t, KeyHash, std::equal_to<>> tat GUARDED_BY(mu);
    size_t sweep_at GUARDED_BY(mu) = 0;  // the size that triggers a sweep
  };

  static size_t ShardOf(std::string_view key);
  // Erases full buckets from `shard` (mu held) and sets the next sweep threshold.
  void Sweep(Shard& shard, int64_t now_ns) const REQUIRES(shard.mu);

  size_t shard_cap_;
  class ShardLocks;  // the shards one Take holds (local_limiter.cc)
  std::array<Shard, kShards> shards_;
};

}  // namespace keyward
