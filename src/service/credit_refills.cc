#include "service/credit_refills.h"

#include <spdlog/spdlog.h>

#include "core/refill.h"
#include "service/event_builder.h"

namespace keyward {

CreditRefills::CreditRefills(Store& store, const PlanCatalog& plans, CreditMeter& credits,
                             UsageRecorder& usage, const Clock& clock,
                             std::chrono::milliseconds interval)
    : store_(store),
      plans_(plans),
      credits_(credits),
      usage_(usage),
      clock_(clock),
      interval_(interval) {}

CreditRefills::~CreditRefills() {
  Stop();
}

Result<int64_t> CreditRefills::RunOnce() {
  int64_t refilled = 0;
  const int64_t now = clock_.NowUnix();
  for (const PlanRow& plan : plans_.All()) {
    if (!plan.refill) continue;
    auto interval = ParseRefillInterval(plan.refill->interval);
    auto mode = ParseRefillMode(plan.refill->mode);
    if (!interval || !mode) continue;
    const int64_t period = PeriodIndex(*interval, now);
    const int64_t start = PeriodStart(*interval, period);
    std::optional<int64_t> set_to;
    if (*mode == RefillMode::kSet) set_to = plan.refill->amount;
    const int64_t add = *mode == RefillMode::kAdd ? plan.refill->amount : 0;
    for (;;) {
      auto due = store_.AccountsDueRefill(plan.name, period, start, kBatch);
      if (!due.ok()) return due.error();
      for (const std::string& id : *due) {
        // As a top-up: no usage flush between the store's change and the meter's.
        auto paused = usage_.PauseFlushes();
        auto done = store_.RefillAccount(id, period, set_to, add, RefilledEvent(clock_));
        if (!done.ok()) return done.error();
        if (!done->has_value()) continue;  // another node (or start) refilled it
        const auto& [before, after] = **done;
        if (before.credits && after.credits) {
          credits_.TopUp(id, *after.credits - *before.credits, after.credits);
        }
        if (crossings_) crossings_->BalanceSet(after);
        ++refilled;
      }
      if (due->size() < kBatch) break;
    }
  }
  return refilled;
}

void CreditRefills::Run() {
  MutexLock lock(mu_);
  bool first = true;
  while (!stop_) {
    if (!first) {
      cv_.WaitFor(mu_, interval_, [this]() REQUIRES(mu_) { return stop_; });
      if (stop_) break;
    }
    first = false;
    lock.Unlock();
    auto refilled = RunOnce();
    if (!refilled.ok()) {
      spdlog::warn("credit refills failed: {}", refilled.error().ForLog());
    } else if (*refilled > 0) {
      spdlog::info("refilled the credits of {} accounts", *refilled);
    }
    lock.Lock();
  }
}

void CreditRefills::Start() {
  MutexLock lock(mu_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
}

void CreditRefills::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keyward
