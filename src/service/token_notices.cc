#include "service/token_notices.h"

#include <spdlog/spdlog.h>

#include "service/event_builder.h"

namespace keyward {

TokenNotices::TokenNotices(Store& store, const EventSettings& settings, const Clock& clock)
    : store_(store), settings_(settings), clock_(clock) {}

TokenNotices::~TokenNotices() {
  Stop();
}

Result<int64_t> TokenNotices::RunOnce() {
  Principal system = Principal::Admin({});
  system.actor = SystemActor();
  const int64_t notice = settings_.expiring_notice_seconds;
  // With no notice period nothing is "about to expire": an empty window.
  return store_.RecordTokenNotices(clock_.NowUnix(), notice, kBatch,
                                   TokenEvent("token.expired", system, clock_),
                                   TokenEvent("token.expiring", system, clock_));
}

void TokenNotices::Run() {
  MutexLock lock(mu_);
  while (!stop_) {
    cv_.WaitFor(mu_, std::chrono::seconds(settings_.notice_interval_seconds),
                [this]() REQUIRES(mu_) { return stop_; });
    if (stop_) break;
    lock.Unlock();
    auto recorded = RunOnce();
    if (!recorded.ok()) {
      spdlog::warn("token expiry notices failed: {}", recorded.error().ForLog());
    } else if (*recorded > 0) {
      spdlog::info("recorded {} token expiry notices", *recorded);
    }
    lock.Lock();
  }
}

void TokenNotices::Start() {
  MutexLock lock(mu_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
}

void TokenNotices::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keyward
