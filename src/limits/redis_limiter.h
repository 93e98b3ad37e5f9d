// The shared Limiter: the same GCRA as core/gcra.h, run inside Redis by one Lua script per Take
// (one round trip, EVALSHA), which decides every bucket of the request and stores the new TATs
// only if all allow — atomic across nodes, so a limit is exact however requests are spread.
//
// TakeThenCharge does the credit step of the RedisCreditMeter in the same script, so a request
// costs one round trip for limits and credits together.
// Redis keys: "<prefix>rl:<bucket>" holding the bucket's TAT in integer microseconds since the
// epoch (Lua numbers are doubles: microseconds stay exact for centuries, nanoseconds would not),
// with a PEXPIRE at the moment the bucket is full again (a full bucket and an absent one are the
// same, so Redis forgets idle buckets by itself). Times come from the caller's clock (`now_ns`),
// so nodes' clocks should agree to well within a window (NTP).
// Redis Cluster (redis+cluster://): every key of one call carries the same hash tag, so that one
// script can use them together — "<prefix>rl:{<tag>}<bucket>", the tag being the first bucket's
// (the verifier passes the account id, so a key's, its routes' and its account's buckets and the
// account's balance share a slot; the sandbox passes its per-IP bucket's own name) or "kw" when
// the call names none. Single-node Redis keeps the untagged names.
// Failure: when Redis cannot be reached the outcome has `unavailable` set and nothing was taken.
// Thread-safety: safe from any thread (the pool gives each thread its own connection).
#pragma once

#include "limits/credit_meter.h"
#include "limits/limiter.h"
#include "limits/redis_client.h"

namespace keyward {

class RedisCreditMeter;

class RedisLimiter final : public Limiter {
 public:
  explicit RedisLimiter(RedisPool& pool, std::string key_prefix = "kw:");

  LimitOutcome Take(std::span<const BucketRequest> requests, int64_t now_ns) override;
  // The limits and then the credit step of `meter` (on the same Redis) in one script, one round
  // trip; an account Redis does not hold falls back to the meter (which seeds it). The contract
  // of LimitsAndCredits::TakeAndCharge (RedisLimitsAndCredits calls this).
  LimitOutcome TakeThenCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                              RedisCreditMeter& meter, std::string_view account, int64_t cost,
                              CreditCharge* charge);

 private:
  LimitOutcome Run(std::span<const BucketRequest> requests, int64_t now_ns, RedisCreditMeter* meter,
                   std::string_view account, int64_t cost, CreditCharge* charge);

  RedisPool& pool_;
  std::string prefix_;
  bool cluster_;  // hash-tagged keys (redis+cluster://)
};

}  // namespace keyward
