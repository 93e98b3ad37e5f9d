// See limits_and_credits.h: the two-call form of TakeAndCharge.
#include "limits/limits_and_credits.h"

namespace keyward {

LimitOutcome TakeThenChargeInTwoSteps(Limiter& limiter, CreditMeter& credits,
                                      std::span<const BucketRequest> requests, int64_t now_ns,
                                      std::string_view account, int64_t cost,
                                      CreditCharge* charge) {
  LimitOutcome out = limiter.Take(requests, now_ns);
  if (!out.allowed || out.unavailable) return out;
  if (cost > 0) {
    *charge = credits.Charge(account, cost);
  } else {
    charge->allowed = true;
    if (auto snapshot = credits.Snapshot(account)) charge->balance = snapshot->balance;
  }
  return out;
}

}  // namespace keyward
