// LimitsAndCredits: the admission of one request — its rate limits and its credits — behind one
// interface (REVIEW P4(a)). A request takes from its rate-limit buckets and then, only when every
// bucket allowed, is charged its credits (or has its balance read). The in-process pair does that
// in two calls; the Redis pair in one script, one round trip. Callers never ask which: the
// composition root chooses. Thread-safety: implementations are safe to call from any thread.
// Failure: a shared implementation that cannot reach Redis sets LimitOutcome::unavailable (nothing
// decided) or CreditCharge::unavailable (limits taken, nothing charged).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "limits/credit_meter.h"
#include "limits/limiter.h"
#include "limits/local_credit_meter.h"
#include "limits/local_limiter.h"

namespace keyward {

class LimitsAndCredits {
 public:
  virtual ~LimitsAndCredits() = default;

  // Limits only (a refused request still counts against its per-key limit).
  LimitOutcome Take(std::span<const BucketRequest> requests, int64_t now_ns) {
    return limiter().Take(requests, now_ns);
  }
  // Take(), then — only when every bucket allowed — charges `cost` credits to `account` (cost 0:
  // only reads the balance, as a Snapshot would; an account the meter does not hold reads as
  // allowed with no balance). `charge` gets the credit outcome and is left untouched when the
  // limits refused or were unavailable.
  virtual LimitOutcome TakeAndCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                                     std::string_view account, int64_t cost,
                                     CreditCharge* charge) = 0;

  // The parts, for callers that need only one: sign-in throttles (limits), balances, top-ups and
  // the usage flush (credits).
  virtual Limiter& limiter() = 0;
  virtual CreditMeter& credits() = 0;
};

// TakeAndCharge as two calls on any limiter and meter.
LimitOutcome TakeThenChargeInTwoSteps(Limiter& limiter, CreditMeter& credits,
                                      std::span<const BucketRequest> requests, int64_t now_ns,
                                      std::string_view account, int64_t cost, CreditCharge* charge);

// Any Limiter beside any CreditMeter (neither owned; both must outlive this), in two calls.
class TwoStepLimitsAndCredits final : public LimitsAndCredits {
 public:
  TwoStepLimitsAndCredits(Limiter& limiter, CreditMeter& credits)
      : limiter_(limiter), credits_(credits) {}
  LimitOutcome TakeAndCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                             std::string_view account, int64_t cost,
                             CreditCharge* charge) override {
    return TakeThenChargeInTwoSteps(limiter_, credits_, requests, now_ns, account, cost, charge);
  }
  Limiter& limiter() override { return limiter_; }
  CreditMeter& credits() override { return credits_; }

 private:
  Limiter& limiter_;
  CreditMeter& credits_;
};

// One node: a LocalLimiter and a LocalCreditMeter, owned, exact within this process.
class LocalLimitsAndCredits final : public LimitsAndCredits {
 public:
  LimitOutcome TakeAndCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                             std::string_view account, int64_t cost,
                             CreditCharge* charge) override {
    return TakeThenChargeInTwoSteps(limiter_, credits_, requests, now_ns, account, cost, charge);
  }
  Limiter& limiter() override { return limiter_; }
  CreditMeter& credits() override { return credits_; }

 private:
  LocalLimiter limiter_;
  LocalCreditMeter credits_;
};

}  // namespace keyward
