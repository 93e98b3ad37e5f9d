// What a handler may use: the domain services keyward's routes need, the clock and the API's
// settings. Built once by Api from the composition root (Services); handlers never see the store,
// the limiter, Redis, idempotency records or the wiring — admission is the checkpoint's. Plain
// references, valid for the Api's lifetime; every service is thread-safe.
#pragma once

#include <string_view>

#include "core/clock.h"
#include "http/api_settings.h"
#include "service/account_service.h"
#include "service/admin_keys.h"
#include "service/agent_auth_service.h"
#include "service/event_service.h"
#include "service/key_index.h"
#include "service/leak_service.h"
#include "service/operator_service.h"
#include "service/plan_service.h"
#include "service/readiness.h"
#include "service/session_service.h"
#include "service/token_service.h"
#include "service/usage_service.h"
#include "service/verifier.h"
#include "service/webhook_service.h"

namespace keyward {

struct HandlerContext {
  TokenService& tokens;
  AccountService& accounts;
  SessionService& sessions;
  AgentAuthService& agent_auth;
  EventService& events;  // GET /v1/events
  WebhookService& webhooks;
  LeakService& leaks;          // POST /v1/leaked_keys
  AdminKeys& admin_keys;       // POST /v1/leaked_keys accepts an admin key without a signature
  OperatorService& operators;  // API.md 16
  Verifier& verifier;          // GET /v1/auth, POST /v1/keys/verify, /metrics
  const KeyIndex& index;
  const ReadinessProbe& readiness;
  const Clock& clock;
  const ApiSettings& settings;
  std::string_view sandbox_key;  // sandbox.key: the one key limited per client address
  UsageService& usage;           // GET /v1/usage
  PlanService& plans;            // /v1/plans (API.md 11.2)
};

}  // namespace keyward
