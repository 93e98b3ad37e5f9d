// Credit refills (API.md 11.2, 11.5): at the start of every period of a plan's refill interval
// (UTC minute, hour, day or month) each account on the plan gets its balance set to, or increased
// by, the refill amount — exactly once per account and period across every node and restart: the
// store claims the period with a conditional UPDATE of the account's last refilled period
// (Store::RefillAccount), and records credits.refilled (actor system) in the same transaction.
// Every node runs one; a round runs at once on Start() (a node that was down at a boundary
// refills at start) and then every second (within 5 s of the boundary). An account created in the
// middle of a period waits for the next; `add` on an unlimited balance changes nothing.
// The refill reaches the balance the limiter charges as a top-up does (CreditMeter::TopUp, with
// usage flushes paused between the store's change and the meter's).
// One thread, started by Start() (the server does, the CLI does not), stopped by Stop() or the
// destructor. Thread-safe; a failed round is logged and retried on the next.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "core/clock.h"
#include "core/mutex.h"
#include "limits/credit_meter.h"
#include "service/crossing_events.h"
#include "service/plan_catalog.h"
#include "service/usage_recorder.h"
#include "store/store.h"

namespace keyward {

class CreditRefills {
 public:
  static constexpr size_t kBatch = 500;  // accounts read per query

  // All must outlive the CreditRefills.
  CreditRefills(Store& store, const PlanCatalog& plans, CreditMeter& credits, UsageRecorder& usage,
                const Clock& clock, std::chrono::milliseconds interval = std::chrono::seconds(1));
  ~CreditRefills();

  // Told every refilled balance (re-arming credits.low / credits.exhausted). Set once, before
  // Start.
  void set_crossings(CrossingEvents* crossings) { crossings_ = crossings; }

  void Start();  // once; not after Stop()
  void Stop();   // idempotent
  // One round: refills every account due now; returns how many this node refilled (or the
  // store's error).
  Result<int64_t> RunOnce();

 private:
  void Run();

  Store& store_;
  const PlanCatalog& plans_;
  CreditMeter& credits_;
  UsageRecorder& usage_;
  CrossingEvents* crossings_ = nullptr;
  const Clock& clock_;
  const std::chrono::milliseconds interval_;

  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
