// Throttles failed-authentication storms per client address (issue 7). Each address has a budget
// of `failures_per_minute` failed authentications (401s), refilled continuously (GCRA: a full
// budget may be spent at once, then one more every 60 s / limit). An address whose budget is spent
// is "throttled": the server answers its next *failing* request 429 RATE_LIMITED instead of 401.
// Successful authentications are never consulted nor refused, so a valid key keeps working from
// an address that also sends garbage.
//
// Memory is bounded: at most `max_tracked` addresses, in 16 shards; when a shard is full, entries
// whose budget has refilled are dropped, and if none has, the new address is not tracked (fail
// open: the throttle is a brake on abuse, not an access control).
// Thread-safe: each shard has its own mutex; times are passed in (nanoseconds, any monotonic or
// wall clock, as long as one clock is used).
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "core/cidr.h"
#include "core/mutex.h"

namespace keyward {

class AuthFailureThrottle {
 public:
  // `failures_per_minute` 0 disables the throttle (Record always answers not throttled).
  explicit AuthFailureThrottle(int64_t failures_per_minute, size_t max_tracked = 65536);

  struct Decision {
    bool throttled = false;
    int64_t retry_after_s = 0;  // when throttled: seconds until one more failure fits, >= 1
  };

  // Records one failed authentication from `ip` at `now_ns`. Throttled when the budget was already
  // spent (the failure that spends the last unit is itself still answered 401).
  Decision RecordFailure(const IpAddress& ip, int64_t now_ns);

  int64_t failures_per_minute() const { return limit_; }
  size_t tracked() const;  // for tests

 private:
  struct IpHash {
    size_t operator()(const std::array<uint8_t, 16>& b) const;
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::array<uint8_t, 16>, int64_t, IpHash> tat GUARDED_BY(mu);
  };

  const int64_t limit_;
  const int64_t interval_ns_;  // 60 s / limit
  const size_t per_shard_;
  std::array<Shard, 16> shards_;
};

}  // namespace keyward
