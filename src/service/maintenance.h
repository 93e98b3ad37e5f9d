// Background maintenance of one node: every minute it purges access tokens expired for longer than
// the retention (from the store and the in-memory index), day-old Idempotency-Key records, ended
// dashboard sessions, finished agent sign-in requests, usage rows and events past their
// retention (every purge is idempotent: several nodes may run it). One thread, started by Start()
// (the server does, the CLI does not), stopped by Stop() or the destructor. Thread-safe; failures
// are logged and retried on the next round.
#pragma once

#include <cstddef>
#include <cstdint>
#include <thread>

#include "core/clock.h"
#include "core/mutex.h"
#include "service/agent_auth_service.h"
#include "service/idempotency.h"
#include "service/key_index.h"
#include "service/session_service.h"
#include "service/usage_service.h"
#include "store/store.h"

namespace keyward {

class Maintenance {
 public:
  // Expired access tokens are kept this long, so that their use says TOKEN_EXPIRED (403) rather
  // than "unknown" (401).
  static constexpr int64_t kAccessTokenRetentionSeconds = 86400;

  // All must outlive the Maintenance.
  Maintenance(Store& store, KeyIndex& index, IdempotencyService& idempotency,
              SessionService& sessions, AgentAuthService& agent_auth, UsageService& usage,
              const Clock& clock, int64_t event_retention_seconds);
  ~Maintenance();

  // Starts the thread (once; not after Stop()).
  void Start();
  // Stops and joins the thread. Idempotent.
  void Stop();
  // One purge of expired access tokens; returns how many left the index.
  size_t PurgeExpiredAccessTokens();

 private:
  void Run();
  void PurgeOnce();

  Store& store_;
  KeyIndex& index_;
  IdempotencyService& idempotency_;
  SessionService& sessions_;
  AgentAuthService& agent_auth_;
  UsageService& usage_;
  const Clock& clock_;
  const int64_t event_retention_seconds_;

  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
