#include "http/api.h"

#include <array>
#include <exception>

#include <spdlog/spdlog.h>

#include "http/errors.h"
#include "http/handlers.h"

namespace keyward {
namespace {

constexpr std::array kRoutes = {
    RouteEntry{"GET", "/healthz", HandleHealthz, false},
    RouteEntry{"GET", "/readyz", HandleReadyz, false},
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

Api::Api(Services& services, ApiSettings settings)
    : services_(services), settings_(std::move(settings)) {}

std::span<const RouteEntry> Api::Routes() { return kRoutes; }

bool Api::IsBlocking(const HttpRequest& req) const {
  Match m = Find(req.method, req.path);
  return m.entry != nullptr && m.entry->blocking;
}

HttpResponse Api::Handle(const HttpRequest& req) {
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
    return m.entry->handler(*this, req, m.params);
  } catch (const std::exception& e) {
    spdlog::error("request {} failed: {}", req.request_id, e.what());
    return ErrorResponse(Error(ErrorCode::kInternalError), req.request_id);
  }
}

}  // namespace keyward
