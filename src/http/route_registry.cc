#include "http/route_registry.h"

#include <algorithm>
#include <array>

#include "http/handlers.h"

namespace keyward {
namespace {

using enum RouteAuth;

// Is `prefix` `pattern` itself or a whole-segment prefix of it?
constexpr bool IsSegmentPrefix(std::string_view prefix, std::string_view pattern) {
  return pattern.starts_with(prefix) &&
         (pattern.size() == prefix.size() || pattern[prefix.size()] == '/');
}

// Abbreviations for the table below.
constexpr bool kIdempotent = true;
constexpr bool kBlocking = true;

constexpr std::array kRoutes = {
    RouteEntry{.method = "GET", .pattern = "/healthz", .handler = HandleHealthz},
    RouteEntry{.method = "GET", .pattern = "/readyz", .handler = HandleReadyz},
    RouteEntry{
        .method = "GET", .pattern = "/metrics", .handler = HandleMetrics, .auth = kVerifierCaller},
    RouteEntry{.method = "POST",
               .pattern = "/v1/accounts",
               .handler = HandleCreateAccount,
               .auth = kAdminOnly,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/accounts"},
    RouteEntry{.method = "GET",
               .pattern = "/v1/accounts",
               .handler = HandleListAccounts,
               .auth = kAdminOnly,
               .blocking = kBlocking,
               .subtree = "/v1/accounts"},
    RouteEntry{.method = "GET",
               .pattern = "/v1/accounts/:id",
               .handler = HandleGetAccount,
               .auth = kAdminOnly,
               .blocking = kBlocking,
               .subtree = "/v1/accounts"},
    RouteEntry{.method = "POST",
               .pattern = "/v1/accounts/:id/credits",
               .handler = HandleAddCredits,
               .auth = kAdminOnly,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/accounts"},
    RouteEntry{.method = "POST",
               .pattern = "/v1/tokens",
               .handler = HandleCreateToken,
               .auth = kManagement,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/tokens"},
    RouteEntry{.method = "GET",
               .pattern = "/v1/tokens",
               .handler = HandleListTokens,
               .auth = kManagement,
               .blocking = kBlocking,
               .subtree = "/v1/tokens"},
    RouteEntry{.method = "GET",
               .pattern = "/v1/tokens/:id",
               .handler = HandleGetToken,
               .auth = kManagement,
               .blocking = kBlocking,
               .subtree = "/v1/tokens"},
    RouteEntry{.method = "POST",
               .pattern = "/v1/tokens/:id/revoke",
               .handler = HandleRevokeToken,
               .auth = kManagement,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/tokens"},
    RouteEntry{.method = "POST",
               .pattern = "/v1/tokens/:id/roll",
               .handler = HandleRollToken,
               .auth = kManagement,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/tokens"},
    RouteEntry{.method = "POST",
               .pattern = "/v1/token",
               .handler = HandleMintAccessToken,
               .auth = kManagement,
               .idempotent = kIdempotent,
               .blocking = kBlocking},
    RouteEntry{.method = "POST",
               .pattern = "/v1/token/verify",
               .handler = HandleCheckAccessToken,
               .auth = kManagement,
               .idempotent = kIdempotent,
               .blocking = kBlocking},
    RouteEntry{.method = "GET",
               .pattern = "/v1/credits",
               .handler = HandleGetCredits,
               .auth = kManagement,
               .permission = "billing:read",
               .blocking = kBlocking},
    RouteEntry{.method = "POST",
               .pattern = "/v1/keys/verify",
               .handler = HandleVerifyKey,
               .auth = kVerifierCaller},
    RouteEntry{.method = "POST",
               .pattern = "/v1/signup",
               .handler = HandleSignUp,
               .idempotent = kIdempotent,
               .blocking = kBlocking},
    RouteEntry{.method = "POST",
               .pattern = "/v1/session",
               .handler = HandleCreateSession,
               .idempotent = kIdempotent,
               .blocking = kBlocking},
    RouteEntry{.method = "GET",
               .pattern = "/v1/session",
               .handler = HandleGetSession,
               .auth = kSession,
               .blocking = kBlocking},
    RouteEntry{.method = "DELETE",
               .pattern = "/v1/session",
               .handler = HandleDeleteSession,
               .auth = kSessionCsrf,
               .blocking = kBlocking},
    RouteEntry{.method = "POST",
               .pattern = "/v1/agent-auth/approve",
               .handler = HandleAgentAuthApprove,
               .auth = kSessionCsrf,
               .idempotent = kIdempotent,
               .blocking = kBlocking,
               .subtree = "/v1/agent-auth"},
    RouteEntry{.method = "GET",
               .pattern = "/v1/agent-auth/token/:id",
               .handler = HandleAgentAuthPoll,
               .blocking = kBlocking,
               .subtree = "/v1/agent-auth"},
    // In proxy mode "/" is the protected API's (API.md 5): forwarded, not redirected.
    RouteEntry{.method = "GET", .pattern = "/", .handler = HandleRoot, .yields_to_proxy = true},
    RouteEntry{.method = "GET",
               .pattern = "/dashboard",
               .handler = HandleDashboardRedirect,
               .subtree = "/dashboard"},
    RouteEntry{.method = "GET",
               .pattern = "/dashboard/",
               .handler = HandleDashboardIndex,
               .subtree = "/dashboard"},
    RouteEntry{.method = "GET",
               .pattern = "/dashboard/:id",
               .handler = HandleDashboardAsset,
               .subtree = "/dashboard"},
    RouteEntry{.method = "GET", .pattern = "/agent-auth", .handler = HandleAgentAuthPage},
    // /v1/auth and everything below it, any method: see FindRoute().
    RouteEntry{.method = "*",
               .pattern = "/v1/auth",
               .handler = HandleAuth,
               .auth = kVerifierCaller,
               .subtree = "/v1/auth"},
};

// The declarations hold together: a subtree is a prefix of its own pattern, only POSTs honour
// Idempotency-Key, and a permission is something only a key caller of a management route holds.
constexpr bool Consistent() {
  for (const RouteEntry& r : kRoutes) {
    if (!r.subtree.empty() && !IsSegmentPrefix(r.subtree, r.pattern)) return false;
    if (r.idempotent && r.method != "POST") return false;
    if (!r.permission.empty() && r.auth != kManagement) return false;
  }
  return kRoutes.back().method == "*";
}
static_assert(Consistent(), "route registry: inconsistent declaration");

}  // namespace

std::span<const RouteEntry> RouteRegistry() {
  return kRoutes;
}

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

RouteMatch FindRoute(std::string_view method, std::string_view path) {
  RouteMatch m;
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

bool IsKeywardPath(std::string_view path) {
  for (const RouteEntry& r : kRoutes) {
    if (r.yields_to_proxy) continue;
    PathParams unused;
    if (MatchPattern(r.pattern, path, &unused)) return true;
    if (!r.subtree.empty() && IsSegmentPrefix(r.subtree, path)) return true;
  }
  return false;
}

}  // namespace keyward
