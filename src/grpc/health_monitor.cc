#include "grpc/health_monitor.h"

namespace keyward {

HealthMonitor::~HealthMonitor() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    state_.draining = true;  // a Watch still open ends
    state_.serving = false;
  }
  changed_.SignalAll();
  if (poller_.joinable()) poller_.join();
}

bool HealthMonitor::AddWatcher() {
  {
    MutexLock lock(mu_);
    if (watchers_ >= kMaxWatchers) return false;
    if (++watchers_ == 1) {  // idle until now: a probe that starts from now on must answer
      state_.known = false;
      ++epoch_;
    }
    if (!poller_.joinable()) poller_ = std::thread([this] { Poll(); });
  }
  changed_.SignalAll();
  return true;
}

void HealthMonitor::RemoveWatcher() {
  MutexLock lock(mu_);
  --watchers_;
}

HealthMonitor::State HealthMonitor::Wait(std::optional<bool> last_sent,
                                         std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(mu_);
  changed_.WaitUntil(mu_, deadline, [&]() REQUIRES(mu_) {
    return stopping_ || state_.draining ||
           (state_.known && (!last_sent || *last_sent != state_.serving));
  });
  return state_;
}

void HealthMonitor::Drain() {
  {
    MutexLock lock(mu_);
    state_.draining = true;
    state_.serving = false;
  }
  changed_.SignalAll();
}

bool HealthMonitor::draining() const {
  MutexLock lock(mu_);
  return state_.draining;
}

void HealthMonitor::Poll() {
  for (;;) {
    uint64_t epoch = 0;
    {
      MutexLock lock(mu_);
      changed_.Wait(mu_, [&]() REQUIRES(mu_) { return stopping_ || watchers_ > 0; });
      if (stopping_) return;
      epoch = epoch_;
    }
    const bool ready = readiness_.Check().ok();  // pings: never under the lock
    {
      MutexLock lock(mu_);
      if (epoch != epoch_) continue;  // a watcher came during the probe: probe again at once
      state_.serving = ready && !state_.draining;
      state_.known = true;
    }
    changed_.SignalAll();
    MutexLock lock(mu_);
    changed_.WaitUntil(mu_, std::chrono::steady_clock::now() + kPollInterval,
                       [&]() REQUIRES(mu_) { return stopping_ || !state_.known; });
    if (stopping_) return;
  }
}

}  // namespace keyward
