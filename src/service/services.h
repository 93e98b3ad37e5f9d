// The composition root of the domain (wiring only): owns the store, the index, the limiter, the
// usage writer and the services built on them, wired in dependency order, plus the node's
// background maintenance (maintenance.h) and readiness (readiness.h). app/ and tests reach the
// services through its accessors; the http layer takes what its handlers need once, at Api
// construction (http/handler_context.h), and looks nothing up at run time.
// Thread-safe after construction; Shutdown() once at the end.
#pragma once

#include <memory>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/mutex.h"
#include "limits/credit_meter.h"
#include "limits/limits_and_credits.h"
#include "limits/redis_client.h"
#include "service/account_directory.h"
#include "service/account_service.h"
#include "service/admin_keys.h"
#include "service/agent_auth_service.h"
#include "service/credit_refills.h"
#include "service/crossing_events.h"
#include "service/event_service.h"
#include "service/idempotency.h"
#include "service/index_sync.h"
#include "service/key_index.h"
#include "service/leak_service.h"
#include "service/maintenance.h"
#include "service/operator_service.h"
#include "service/plan_catalog.h"
#include "service/plan_service.h"
#include "service/readiness.h"
#include "service/session_service.h"
#include "service/settings.h"
#include "service/token_notices.h"
#include "service/token_service.h"
#include "service/usage_recorder.h"
#include "service/usage_service.h"
#include "service/verifier.h"
#include "service/webhook_service.h"
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
  bool ready() const { return readiness_->ready(); }
  // What /readyz says: OK, or kUnavailable with the reason (index loading, store or Redis down,
  // change feed not caught up). Pings the store and Redis.
  Status Readiness() { return readiness_->Check(); }
  const ReadinessProbe& readiness() const { return *readiness_; }
  // Flushes pending usage and stops background work. Idempotent.
  void Shutdown();
  // Starts the background maintenance (purging expired access tokens and day-old idempotency
  // records every minute); the server
  // calls it, the CLI does not.
  void StartMaintenance() {
    maintenance_.Start();
    token_notices_.Start();  // token.expired / token.expiring (API.md 13)
    refills_.Start();        // credit refills (API.md 11.2)
  }
  // Deletes access tokens expired for longer than the retention from the store and the index;
  // returns how many left the index.
  size_t PurgeExpiredAccessTokens() { return maintenance_.PurgeExpiredAccessTokens(); }

  static constexpr int64_t kAccessTokenRetentionSeconds = Maintenance::kAccessTokenRetentionSeconds;

  Store& store() { return *store_; }
  KeyIndex& index() { return index_; }
  Verifier& verifier() { return verifier_; }
  TokenService& tokens() { return tokens_; }
  AccountService& accounts() { return accounts_; }
  AdminKeys& admin_keys() { return admin_keys_; }
  IdempotencyService& idempotency() { return idempotency_; }
  UsageRecorder& usage() { return usage_; }
  UsageService& usage_reports() { return usage_reports_; }
  SessionService& sessions() { return sessions_; }
  AgentAuthService& agent_auth() { return agent_auth_; }
  EventService& events() { return events_; }
  TokenNotices& token_notices() { return token_notices_; }
  WebhookService& webhooks() { return webhooks_; }
  LeakService& leaks() { return leaks_; }
  OperatorService& operators() { return operators_; }
  PlanService& plans() { return plans_; }
  PlanCatalog& plan_catalog() { return catalog_; }
  CreditRefills& refills() { return refills_; }
  const ServiceSettings& settings() const { return settings_; }
  // The index's sync with other processes on the store: over Redis, PostgreSQL NOTIFY, or (SQLite
  // alone) by polling the store's change sequence.
  IndexSync* index_sync() { return sync_.get(); }
  const KeyFormat& format() const { return format_; }
  const Clock& clock() const { return clock_; }

 private:
  const ServiceSettings settings_;
  const Clock& clock_;
  const KeyFormat format_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RedisPool> redis_;  // before the limiter and meter that use it
  std::unique_ptr<LimitsAndCredits> limits_and_credits_;  // limits and credits
  Limiter* limiter_;                                      // limits_and_credits_->limiter()
  CreditMeter* credits_;                                  // limits_and_credits_->credits()
  KeyIndex index_;
  PlanCatalog catalog_;  // before the directory, which reads it
  AccountDirectory directory_;
  UsageRecorder usage_;
  Verifier verifier_;
  TokenService tokens_;
  AccountService accounts_;
  AdminKeys admin_keys_;
  IdempotencyService idempotency_;
  SessionService sessions_;
  AgentAuthService agent_auth_;
  UsageService usage_reports_;
  std::unique_ptr<ChangeFeed> feed_;  // Redis, PostgreSQL's NOTIFY, or StorePollFeed
  std::unique_ptr<IndexSync> sync_;   // with feed_
  EventService events_;
  TokenNotices token_notices_;
  WebhookService webhooks_;
  LeakService leaks_;
  OperatorService operators_;
  PlanService plans_;
  CreditRefills refills_;
  CrossingEvents crossings_;  // credits.low, credits.exhausted, ratelimit.exceeded
  Maintenance maintenance_;
  std::unique_ptr<ReadinessProbe> readiness_;  // after sync_, which it watches
};

}  // namespace keyward
