// What grpc.health.v1.Health/Watch streams (API.md 10): whether this node serves, kept up to date
// by one poller thread that asks the ReadinessProbe (index loaded, store and Redis answering, the
// change feed caught up) every kPollInterval while at least one Watch is open, so that N
// watchers cost one probe, not N. Drain() (the node is stopping) makes it NOT_SERVING for good.
// Free of gRPC types: health_service.cc turns it into the wire's statuses.
//
// Thread-safety: every method may be called from any thread. Failure: none; a probe that fails
// or blocks (up to the store's and Redis's ping timeouts) only delays the poller, never a caller
// of Wait() past its deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "core/mutex.h"
#include "service/readiness.h"

namespace keyward {

class HealthMonitor {
 public:
  static constexpr std::chrono::milliseconds kPollInterval{500};
  // Watch streams open at once at most (each holds one of the gRPC server's threads).
  static constexpr int kMaxWatchers = 16;

  struct State {
    bool known = false;     // a probe has run since the first watcher came
    bool serving = false;   // the last probe said ready, and not draining
    bool draining = false;  // Drain() was called
  };

  explicit HealthMonitor(const ReadinessProbe& readiness) : readiness_(readiness) {}
  ~HealthMonitor();  // stops the poller
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // One more watcher (starts the poller on first use); false when kMaxWatchers are open.
  bool AddWatcher();
  void RemoveWatcher();

  // Returns the state once it is known and `serving` differs from `last_sent` (nullopt: nothing
  // sent yet), or once draining, or at `deadline` (whatever the state then).
  State Wait(std::optional<bool> last_sent, std::chrono::steady_clock::time_point deadline);

  // From now on: NOT_SERVING (Check and Watch); wakes every watcher.
  void Drain();
  bool draining() const;

 private:
  void Poll();

  const ReadinessProbe& readiness_;
  mutable Mutex mu_;
  CondVar changed_;  // the state changed, a watcher came, or stopping
  State state_ GUARDED_BY(mu_);
  int watchers_ GUARDED_BY(mu_) = 0;
  uint64_t epoch_ GUARDED_BY(mu_) = 0;  // bumped when the first watcher after an idle spell comes
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread poller_;  // started by the first AddWatcher (under mu_), joined by the destructor
};

}  // namespace keyward
