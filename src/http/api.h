// keyward's HTTP API: the registry of its own routes and the one checkpoint every request passes
// (routing, 404/405, caller checks) before a handler runs. Handlers are pure functions from a
// request to a response; the server owns all I/O.
// Thread-safe: immutable after construction; handlers use the thread-safe Services.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth_failure_throttle.h"
#include "core/cidr.h"
#include "http/http_types.h"
#include "service/services.h"

namespace keyward {

struct ApiSettings {
  std::vector<Cidr> verifier_allow_from;  // who may call /v1/auth and /v1/keys/verify
  std::vector<Cidr> trusted_proxies;      // whose X-Forwarded-For / X-Real-IP we believe
  // Failed authentications (401) allowed per client address per minute before its further failing
  // requests get 429 RATE_LIMITED instead (AuthFailureThrottle); 0 = no throttle. Loopback client
  // addresses (a process on this host) are not throttled.
  int64_t auth_failures_per_minute = 600;
};

struct PathParams {
  std::string_view id;
};

class Api;
using Handler = HttpResponse (*)(Api& api, const HttpRequest& req, const PathParams& params);

struct RouteEntry {
  std::string_view method;
  std::string_view pattern;  // segments; ":id" captures one
  Handler handler;
  bool blocking;             // touches the store for writes: run off the I/O threads
};

class Api {
 public:
  Api(Services& services, ApiSettings settings);

  // Routes `req` and runs its handler. Never throws. A 401 counts against the client address's
  // failed-authentication budget; once spent, that address's 401s become 429 RATE_LIMITED.
  HttpResponse Handle(const HttpRequest& req);
  // True when `req` should run on the blocking pool (it may write to the store).
  bool IsBlocking(const HttpRequest& req) const;

  Services& services() { return services_; }
  const ApiSettings& settings() const { return settings_; }
  static std::span<const RouteEntry> Routes();

 private:
  HttpResponse Route(const HttpRequest& req);
  // Records a 401 for the client address; turns it into 429 when the address is throttled.
  void ThrottleFailedAuth(const HttpRequest& req, HttpResponse& res);
  // Runs a POST under its Idempotency-Key (API.md 1.4).
  HttpResponse HandleIdempotent(const RouteEntry& entry, const HttpRequest& req,
                                const PathParams& params, std::string_view key);

  Services& services_;
  ApiSettings settings_;
  std::unique_ptr<AuthFailureThrottle> auth_throttle_;
};

}  // namespace keyward
