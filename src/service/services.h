// The composition root of the domain: owns the store, the index, the limiter, the usage writer
// and the services built on them, wired in dependency order. The http and app layers talk to the
// domain only through this. Thread-safe after Open(); Shutdown() once at the end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/mutex.h"
#include "limits/credit_meter.h"
#include "limits/limiter.h"
#include "limits/redis_client.h"
#include "service/account_directory.h"
#include "service/account_service.h"
#include "service/admin_keys.h"
#include "service/agent_auth_service.h"
#include "service/idempotency.h"
#include "service/index_sync.h"
#include "service/key_index.h"
#include "service/session_service.h"
#include "service/settings.h"
#include "service/token_service.h"
#include "service/usage_recorder.h"
#include "service/verifier.h"
#include "store/store.h"

namespace keyward {

class Services {
 public:
  // Takes ownership of `store`. `clock` must outlive the Services. Throws std::invalid_argument on
  // invalid settings (start-up only).
  Services(std::unique_ptr<Store> store, ServiceSettings settings, const Clock& clock);
  ~Services();

  // Loads every unrevoked key into the in-memory index; the service is ready afterwards (with
  // Redis or on PostgreSQL: once the change feed has subscribed and caught up, see Readiness()).
  Status LoadIndex();
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // What /readyz says: OK, or kUnavailable with the reason (index loading, store or Redis down,
  // change feed not caught up). Pings the store and Redis.
  Status Readiness();
  // Flushes pending usage and stops background work. Idempotent.
  void Shutdown();
  // Starts the background maintenance (purging expired access tokens and day-old idempotency
  // records every minute); the server
  // calls it, the CLI does not.
  void StartMaintenance();
  // Deletes access tokens expired for longer than the retention from the store and the index;
  // returns how many left the index.
  size_t PurgeExpiredAccessTokens();

  // Expired access tokens are kept this long, so that their use says TOKEN_EXPIRED (403) rather
  // than "unknown" (401).
  static constexpr int64_t kAccessTokenRetentionSeconds = 86400;

  Store& store() { return *store_; }
  KeyIndex& index() { return index_; }
  Verifier& verifier() { return verifier_; }
  TokenService& tokens() { return tokens_; }
  AccountService& accounts() { return accounts_; }
  AdminKeys& admin_keys() { return admin_keys_; }
  IdempotencyService& idempotency() { return idempotency_; }
  UsageRecorder& usage() { return usage_; }
  SessionService& sessions() { return sessions_; }
  AgentAuthService& agent_auth() { return agent_auth_; }
  Limiter& limiter_for_tests() { return *limiter_; }
  CreditMeter& credits() { return *credits_; }
  const ServiceSettings& settings() const { return settings_; }
  RedisPool* redis() { return redis_.get(); }  // nullptr without [redis]
  // nullptr on one node (no [redis], and a store other than PostgreSQL)
  IndexSync* index_sync() { return sync_.get(); }
  const KeyFormat& format() const { return format_; }
  const Clock& clock() const { return clock_; }

 private:
  const ServiceSettings settings_;
  const Clock& clock_;
  const KeyFormat format_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RedisPool> redis_;  // before the limiter and meter that use it
  std::unique_ptr<Limiter> limiter_;
  std::unique_ptr<CreditMeter> credits_;
  KeyIndex index_;
  AccountDirectory directory_;
  UsageRecorder usage_;
  Verifier verifier_;
  TokenService tokens_;
  AccountService accounts_;
  AdminKeys admin_keys_;
  IdempotencyService idempotency_;
  SessionService sessions_;
  AgentAuthService agent_auth_;
  std::unique_ptr<ChangeFeed> feed_;  // with [redis], or on PostgreSQL
  std::unique_ptr<IndexSync> sync_;   // with feed_
  std::atomic<bool> ready_{false};

  void RunMaintenance();
  Mutex maintenance_mu_;
  CondVar maintenance_cv_;
  bool maintenance_stop_ GUARDED_BY(maintenance_mu_) = false;
  std::thread maintenance_;
};

}  // namespace keyward
