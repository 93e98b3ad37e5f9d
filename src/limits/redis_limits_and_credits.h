// Several nodes: a RedisLimiter and a RedisCreditMeter on the same Redis, owned. TakeAndCharge
// runs the limits and the credit step in one Lua script (one round trip); an account Redis does
// not hold yet is seeded through the meter (a second round trip, rarely). Limits stay exact
// across nodes. Failure and thread-safety: as RedisLimiter and RedisCreditMeter.
#pragma once

#include <string>

#include "limits/limits_and_credits.h"
#include "limits/redis_credit_meter.h"
#include "limits/redis_limiter.h"

namespace keyward {

class RedisLimitsAndCredits final : public LimitsAndCredits {
 public:
  RedisLimitsAndCredits(RedisPool& pool, BalanceLoader loader,
                        const std::string& key_prefix = "kw:")
      : limiter_(pool, key_prefix), credits_(pool, std::move(loader), key_prefix) {}

  LimitOutcome TakeAndCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                             std::string_view account, int64_t cost,
                             CreditCharge* charge) override {
    return limiter_.TakeThenCharge(requests, now_ns, credits_, account, cost, charge);
  }
  Limiter& limiter() override { return limiter_; }
  CreditMeter& credits() override { return credits_; }

 private:
  RedisLimiter limiter_;
  RedisCreditMeter credits_;
};

}  // namespace keyward
