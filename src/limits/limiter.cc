// See limiter.h: the two-call default of TakeThenCharge.
#include "limits/limiter.h"

#include "limits/credit_meter.h"

namespace keyward {

LimitOutcome Limiter::TakeThenCharge(std::span<const BucketRequest> requests, int64_t now_ns,
                                     CreditMeter& credits, std::string_view account, int64_t cost,
                                     CreditCharge* charge) {
  LimitOutcome out = Take(requests, now_ns);
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
