// The crossing events of API.md 13, recorded off the request path within about one usage flush
// (≤ 2 s) and not in a request's transaction (API.md 11.5), actor {"type":"system","id":null}:
//  - credits.low: a charge took the balance below the plan's low_credits_threshold; once per
//    crossing, re-armed when the balance is back at or above the threshold;
//  - credits.exhausted: a charge took the balance to 0; re-armed when it is above 0;
//  - ratelimit.exceeded: a key was answered 429 in a minute; at most one per key and minute.
// It observes the UsageRecorder's flushes (the node that writes a charge or a 429 count to the
// store is the one that looks), reads the stored balance after the charge, and claims each event
// with the store's conditional mark (Store::ClaimEventMark), so a crossing seen by several nodes
// is recorded once. The verifier is untouched: the hot path stays allocation-free.
// Thread-safety: called on the flusher thread, and BalanceSet() from writers; stateless beyond
// its references, so thread-safe. Failures are logged; the next flush looks again.
#pragma once

#include <vector>

#include "core/clock.h"
#include "service/plan_catalog.h"
#include "service/usage_recorder.h"
#include "store/store.h"

namespace keyward {

class CrossingEvents final : public FlushObserver {
 public:
  CrossingEvents(Store& store, const PlanCatalog& plans, const Clock& clock);

  void CreditsFlushed(const std::vector<AccountUsage>& charged) override;
  void RateLimitedFlushed(const std::vector<RateLimited>& limited) override;
  // After a top-up or a refill set the stored balance of `row`: re-arms what it re-arms.
  void BalanceSet(const AccountRow& row);

 private:
  // Records or re-arms the credit crossings of `row` (its stored balance); `charged`: a charge
  // brought it there (only a charge records, anything may re-arm).
  void Check(const AccountRow& row, bool charged);

  Store& store_;
  const PlanCatalog& plans_;
  const Clock& clock_;
};

}  // namespace keyward
