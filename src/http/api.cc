#include "http/api.h"

#include <array>
#include <chrono>
#include <exception>

#include <spdlog/spdlog.h>

#include "core/https_policy.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

constexpr std::array kRoutes = {
    RouteEntry{"GET", "/healthz", HandleHealthz, false},
    RouteEntry{"GET", "/readyz", HandleReadyz, false},
    RouteEntry{"GET", "/metrics", HandleMetrics, false},
    RouteEntry{"POST", "/v1/accounts", HandleCreateAccount, true},
    RouteEntry{"GET", "/v1/accounts", HandleListAccounts, true},
    RouteEntry{"GET", "/v1/accounts/:id", HandleGetAccount, true},
    RouteEntry{"POST", "/v1/accounts/:id/credits", HandleAddCredits, true},
    RouteEntry{"POST", "/v1/tokens", HandleCreateToken, true},
    RouteEntry{"GET", "/v1/tokens", HandleListTokens, true},
    RouteEntry{"GET", "/v1/tokens/:id", HandleGetToken, true},
    RouteEntry{"POST", "/v1/tokens/:id/revoke", HandleRevokeToken, true},
    RouteEntry{"POST", "/v1/tokens/:id/roll", HandleRollToken, true},
    RouteEntry{"POST", "/v1/token", HandleMintAccessToken, true},
    RouteEntry{"POST", "/v1/token/verify", HandleCheckAccessToken, true},
    RouteEntry{"GET", "/v1/credits", HandleGetCredits, true},
    RouteEntry{"POST", "/v1/keys/verify", HandleVerifyKey, false},
    RouteEntry{"POST", "/v1/signup", HandleSignUp, true},
    RouteEntry{"POST", "/v1/session", HandleCreateSession, true},
    RouteEntry{"GET", "/v1/session", HandleGetSession, true},
    RouteEntry{"DELETE", "/v1/session", HandleDeleteSession, true},
    RouteEntry{"POST", "/v1/agent-auth/approve", HandleAgentAuthApprove, true},
    RouteEntry{"GET", "/v1/agent-auth/token/:id", HandleAgentAuthPoll, true},
    RouteEntry{"GET", "/", HandleRoot, false},
    RouteEntry{"GET", "/dashboard", HandleDashboardRedirect, false},
    RouteEntry{"GET", "/dashboard/", HandleDashboardIndex, false},
    RouteEntry{"GET", "/dashboard/:id", HandleDashboardAsset, false},
    RouteEntry{"GET", "/agent-auth", HandleAgentAuthPage, false},
    // /v1/auth and everything below it, any method: see Match().
    RouteEntry{"*", "/v1/auth", HandleAuth, false},
};

// Does `pattern` match `path`? Captures ":id".
bool MatchPattern(std::string_view pattern, std::string_view path, PathParams* params) {
  while (true) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = std::min(pattern.find('/'), pattern.size());
    const size_t se = std::min(path.find('/'), path.size());
    std::string_view pseg = pattern.substr(0, pe), sseg = path.substr(0, se);
    if (pseg == ":id") {
      if (sseg.empty()) return false;
      params->id = sseg;
    } else if (pseg != sseg) {
      return false;
    }
    pattern.remove_prefix(pe);
    path.remove_prefix(se);
  }
}

struct Match {
  const RouteEntry* entry = nullptr;
  bool path_known = false;
  std::string allow;
  PathParams params;
};

Match Find(std::string_view method, std::string_view path) {
  Match m;
  if (path == "/v1/auth" || path.starts_with("/v1/auth/")) {
    m.entry = &kRoutes.back();
    m.path_known = true;
    return m;
  }
  for (const RouteEntry& r : kRoutes) {
    PathParams params;
    if (!MatchPattern(r.pattern, path, &params)) continue;
    m.path_known = true;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
    if (r.method == method) {
      m.entry = &r;
      m.params = params;
      return m;
    }
  }
  return m;
}

}  // namespace

namespace {

// A stored response never keeps a secret: keys and access tokens are shown once, and a replay is
// the same object without them.
std::string WithoutSecrets(const std::string& body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return body;
  v.as_object().erase("key");
  v.as_object().erase("access_token");
  return boost::json::serialize(v);
}

}  // namespace

HttpResponse Api::HandleIdempotent(const RouteEntry& entry, const HttpRequest& req,
                                   const PathParams& params, std::string_view key) {
  if (Status st = IdempotencyService::ValidateKey(key); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  std::optional<std::string> scope = IdempotencyScope(*this, req);
  if (!scope) return entry.handler(*this, req, params);  // refused by the handler; not stored

  IdempotencyService& idem = services_.idempotency();
  const Digest fingerprint = IdempotencyService::Fingerprint(req.method, req.target, req.body);
  auto start = idem.Begin(*scope, key, fingerprint);
  if (!start.ok()) return ErrorResponse(start.error(), req.request_id);
  switch (start->outcome) {
    case IdempotencyOutcome::kMismatch:
      return ErrorResponse(Error(ErrorCode::kIdempotencyKeyReused,
                                 "This Idempotency-Key was used with a different request."),
                           req.request_id);
    case IdempotencyOutcome::kInProgress:
      return ErrorResponse(Error(ErrorCode::kIdempotencyInProgress,
                                 "A request with this Idempotency-Key is still running."),
                           req.request_id);
    case IdempotencyOutcome::kReplay: {
      HttpResponse res;
      res.status = start->status;
      res.body = std::move(start->body);
      res.Add("Idempotent-Replayed", "true");
      return res;
    }
    case IdempotencyOutcome::kProceed:
      break;
  }
  HttpResponse res;
  try {
    res = entry.handler(*this, req, params);
  } catch (...) {
    (void)idem.Finish(*scope, key, 500, {});
    throw;
  }
  const bool stored = res.status >= 200 && res.status < 300;
  if (Status st = idem.Finish(*scope, key, res.status, stored ? WithoutSecrets(res.body) : "");
      !st.ok()) {
    spdlog::warn("request {}: could not record its Idempotency-Key: {}", req.request_id,
                 st.error().ForLog());
  }
  return res;
}

Api::Api(Services& services, ApiSettings settings)
    : services_(services),
      settings_(std::move(settings)),
      auth_throttle_(std::make_unique<AuthFailureThrottle>(settings_.auth_failures_per_minute)) {}

std::span<const RouteEntry> Api::Routes() { return kRoutes; }

bool Api::IsBlocking(const HttpRequest& req) const {
  Match m = Find(req.method, req.path);
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
  res.Add("Retry-After", std::to_string(d.retry_after_s));
}

HttpResponse Api::Route(const HttpRequest& req) {
  Match m = Find(req.method, req.path);
  if (m.entry == nullptr) {
    if (m.path_known) {
      HttpResponse res = ErrorResponse(
          Error(ErrorCode::kMethodNotAllowed,
                "Method " + std::string(req.method) + " is not allowed on this path."),
          req.request_id);
      res.Add("Allow", m.allow);
      return res;
    }
    return ErrorResponse(Error(ErrorCode::kNotFound, "No such path."), req.request_id);
  }
  try {
    auto idempotency_key = req.Header("idempotency-key");
    if (idempotency_key && req.method == "POST" && m.entry->blocking) {
      return HandleIdempotent(*m.entry, req, m.params, *idempotency_key);
    }
    return m.entry->handler(*this, req, m.params);
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", req.request_id, e.what());
    return ErrorResponse(Error(ErrorCode::kInternalError), req.request_id);
  }
}

}  // namespace keyward
