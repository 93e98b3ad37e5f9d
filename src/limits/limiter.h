// Rate limiting behind one interface: take `cost` from one or more buckets at once, all or nothing.
// The in-process LocalLimiter is sharded (no global lock); the RedisLimiter has the same contract
// and is exact across nodes, but can fail: then `unavailable` is set and nothing was decided.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/rate_spec.h"

namespace keyward {

struct BucketRequest {
  std::string_view key;  // the bucket's name; must stay valid during Take(). E.g. "tok_123"
                         // (per key) or "r:3:tok_123" (route 3, per key)
  RateSpec spec;
  int64_t cost = 1;
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

struct LimitOutcome {
  bool allowed = false;              // every bucket had room; all were charged
  bool unavailable = false;          // the shared limiter could not be reached: nothing decided,
                                     // `buckets` empty (never set by the LocalLimiter)
  std::vector<BucketState> buckets;  // one per request, same order
  // The bucket to report in headers: a refusing one if any, else the one with fewest remaining.
  size_t tightest = 0;
};

class CreditMeter;
struct CreditCharge;

class Limiter {
 public:
  virtual ~Limiter() = default;
  // Takes from every bucket if all have room; otherwise takes from none. `now_ns` is wall time.
  virtual LimitOutcome Take(std::span<const BucketRequest> requests, int64_t now_ns) = 0;
  // Take(), then — only when every bucket allowed — charges `cost` credits to `account` on
  // `credits` (cost 0: only reads the balance, as a Snapshot would; an account the meter does not
  // hold reads as allowed with no balance). `charge` gets the credit outcome and is left
  // untouched when the limits refused or were unavailable. The default makes two calls; the
  // RedisLimiter with a RedisCreditMeter does both in one script (one round trip).
  virtual LimitOutcome TakeThenCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                                      CreditMeter& credits, std::string_view account, int64_t cost,
                                      CreditCharge* charge);
};

}  // namespace keyward
