// The time-driven token events of API.md 13: token.expired (within a minute of a key's
// expires_at; by default every 10 s) and token.expiring (once, events.expiring_notice_days before
// it), actor {"type":"system","id":null}. Every node runs one; the store's conditional claim
// (Store::RecordTokenNotices) makes each notice recorded exactly once across the nodes sharing it.
// One thread, started by Start() (the server does, the CLI does not), stopped by Stop() or the
// destructor. Thread-safe; a failed round is logged and retried on the next.
#pragma once

#include <cstdint>
#include <thread>

#include "core/clock.h"
#include "core/mutex.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

class TokenNotices {
 public:
  // At most this many notices of each kind per round (the rest wait for the next round).
  static constexpr size_t kBatch = 500;

  // All must outlive the TokenNotices.
  TokenNotices(Store& store, const EventSettings& settings, const Clock& clock);
  ~TokenNotices();

  void Start();  // once; not after Stop()
  void Stop();   // idempotent
  // One round: records the notices due now; returns how many (or the store's error).
  Result<int64_t> RunOnce();

 private:
  void Run();

  Store& store_;
  const EventSettings& settings_;
  const Clock& clock_;

  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
