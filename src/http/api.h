// keyward's HTTP API: routes a request through the registry (route_registry.h: 404, 405 with
// Allow), passes it through the one admission checkpoint (checkpoint.h), which runs its handler,
// and throttles failed authentications per client address. Handlers are pure functions from a
// request to a response over a narrow HandlerContext; the server owns all I/O.
//
// Construction: `Api api(services, settings);` over the composition root, which must outlive it.
// Tests use the same constructor over Services on a temporary SQLite file and a ManualClock
// (tests/api/api_test_env.h) and call Handle() directly, without sockets.
//
// Thread-safe: immutable after construction apart from the failed-authentication throttle (which
// is thread-safe); handlers use thread-safe services.
#pragma once

#include <memory>
#include <span>

#include "core/auth_failure_throttle.h"
#include "http/api_settings.h"
#include "http/checkpoint.h"
#include "http/handler_context.h"
#include "http/http_types.h"
#include "http/route.h"
#include "service/services.h"

namespace keyward {

class Api {
 public:
  Api(Services& services, ApiSettings settings);

  // Routes `req` and runs its handler. Never throws. A 401 counts against the client address's
  // failed-authentication budget; once spent, that address's 401s become 429 RATE_LIMITED.
  HttpResponse Handle(const HttpRequest& req);
  // True when `req` should run on the blocking pool (it may write to the store).
  bool IsBlocking(const HttpRequest& req) const;

  const ApiSettings& settings() const { return settings_; }
  // What the handlers see; the proxy's admission uses the same.
  const HandlerContext& context() const { return ctx_; }
  // The composition root, for the proxy's exchange (idempotency records, deferred charges) until
  // it takes a context of its own. Handlers never reach it.
  Services& services() { return services_; }
  // The route registry (route_registry.h), in matching order.
  static std::span<const RouteEntry> Routes();

 private:
  HttpResponse Route(const HttpRequest& req);
  // Records a 401 for the client address; turns it into 429 when the address is throttled.
  void ThrottleFailedAuth(const HttpRequest& req, HttpResponse& res);

  Services& services_;
  const ApiSettings settings_;
  const HandlerContext ctx_;
  const Checkpoint checkpoint_;
  std::unique_ptr<AuthFailureThrottle> auth_throttle_;
};

}  // namespace keyward
