#include "http/api.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

#include "core/https_policy.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/request_auth.h"
#include "http/route_registry.h"

namespace keyward {

Api::Api(Services& services, ApiSettings settings)
    : services_(services),
      settings_(std::move(settings)),
      ctx_{services.tokens(),
           services.accounts(),
           services.sessions(),
           services.agent_auth(),
           services.events(),
           services.webhooks(),
           services.leaks(),
           services.admin_keys(),
           services.operators(),
           services.verifier(),
           services.index(),
           services.readiness(),
           services.clock(),
           settings_,
           services.settings().sandbox.key,
           services.usage_reports(),
           services.plans()},
      checkpoint_({services.format(), services.admin_keys(), services.idempotency(),
                   settings_.verifier_allow_from},
                  ctx_),
      auth_throttle_(std::make_unique<AuthFailureThrottle>(settings_.auth_failures_per_minute)) {}

std::span<const RouteEntry> Api::Routes() {
  return RouteRegistry();
}

bool Api::IsBlocking(const HttpRequest& req) const {
  RouteMatch m = FindRoute(req.method, req.path);
  return m.entry != nullptr && m.entry->blocking;
}

HttpResponse Api::Handle(const HttpRequest& req) {
  HttpResponse res = Route(req);
  if (res.status == 401) ThrottleFailedAuth(req, res);
  return res;
}

void Api::ThrottleFailedAuth(const HttpRequest& req, HttpResponse& res) {
  if (auth_throttle_->failures_per_minute() == 0) return;
  const IpAddress ip = ParseIp(ClientIp(req, settings_.trusted_proxies)).value_or(req.peer);
  if (IsLoopback(ip)) return;  // a process on this host (a gateway's probe, a test): not a storm
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  const AuthFailureThrottle::Decision d = auth_throttle_->RecordFailure(ip, now);
  if (!d.throttled) return;
  res = ErrorResponse(Error(ErrorCode::kRateLimited,
                            "Too many failed authentications from this address; retry later."),
                      req.request_id);
  AddRetryAfter(res, d.retry_after_s);
}

HttpResponse Api::Route(const HttpRequest& req) {
  RouteMatch m = FindRoute(req.method, req.path);
  if (m.entry == nullptr) {
    if (m.path_known) {
      HttpResponse res =
          ErrorResponse(Error(ErrorCode::kMethodNotAllowed, "Method " + std::string(req.method) +
                                                                " is not allowed on this path."),
                        req.request_id);
      res.Add("Allow", m.allow);
      return res;
    }
    return ErrorResponse(Error(ErrorCode::kNotFound, "No such path."), req.request_id);
  }
  try {
    return checkpoint_.Run(*m.entry, req, m.params);
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", req.request_id, e.what());
    return ErrorResponse(Error(ErrorCode::kInternalError), req.request_id);
  }
}

}  // namespace keyward
