// Rate limiting behind one interface: take `cost` from one or more buckets at once, all or nothing.
// The in-process LocalLimiter is sharded (no global lock); the RedisLimiter has the same contract
// and is exact across nodes, but can fail: then `unavailable` is set and nothing was decided.
// Limits and credits together, in one call (one round trip with Redis):
// limits/limits_and_credits.h. Cost: a Take of up to kInlineBuckets buckets returns its outcome
// inline (no heap allocation). Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/rate_spec.h"
#include "core/small_vector.h"

namespace keyward {

struct BucketRequest {
  std::string_view key;  // the bucket's name; must stay valid during Take(). E.g. "tok_123"
                         // (per key) or "r:3:tok_123" (route 3, per key)
  RateSpec spec;
  int64_t cost = 1;
  // Redis Cluster: the hash tag that puts the buckets of one Take on one slot. The first bucket's
  // decides for the whole call, and a bucket must always be asked for with the same tag. The
  // verifier tags by account (the sandbox by its own key); empty: one shared tag (sign-in and
  // agent polling, low volume). Unused by the LocalLimiter and by single-node Redis.
  std::string_view tag = {};
};

struct BucketState {
  int64_t limit = 0;
  int64_t remaining = 0;      // after this take (or now, when refused)
  int64_t reset_unix = 0;     // Unix seconds when the bucket is full again
  int64_t reset_after_s = 0;  // seconds until full, rounded up
  int64_t retry_after_s = 0;  // when refused: seconds until it fits, rounded up, >= 1
  bool allowed = false;
  int64_t window_seconds = 0;
};

// Buckets one Take decides, inline (no heap) up to this many: the verifier asks for one or two.
inline constexpr size_t kInlineBuckets = 4;
using BucketStates = SmallVector<BucketState, kInlineBuckets>;

struct LimitOutcome {
  bool allowed = false;      // every bucket had room; all were charged
  bool unavailable = false;  // the shared limiter could not be reached: nothing decided,
                             // `buckets` empty (never set by the LocalLimiter)
  BucketStates buckets;      // one per request, same order
  // The bucket to report in headers: a refusing one if any, else the one with fewest remaining.
  size_t tightest = 0;
};

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Takes from every bucket if all have room; otherwise takes from none. `now_ns` is wall time.
  // Limits and credits together: see limits/limits_and_credits.h.
  virtual LimitOutcome Take(std::span<const BucketRequest> requests, int64_t now_ns) = 0;
};

}  // namespace keyward
