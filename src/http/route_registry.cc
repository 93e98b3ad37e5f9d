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

// A route that reads or writes the store: it runs on the blocking pool, and as a POST it honours
// Idempotency-Key (API.md 1.4: every POST of the API that executes something).
constexpr RouteEntry Blocking(std::string_view method, std::string_view pattern, Handler handler,
                              RouteAuth auth, std::string_view subtree = {}) {
  return RouteEntry{.method = method,
                    .pattern = pattern,
                    .handler = handler,
                    .auth = auth,
                    .idempotent = method == "POST",
                    .blocking = true,
                    .subtree = subtree};
}

// A route answered from memory on the I/O threads.
constexpr RouteEntry InMemory(std::string_view method, std::string_view pattern, Handler handler,
                              RouteAuth auth = kNone, std::string_view subtree = {}) {
  return RouteEntry{
      .method = method, .pattern = pattern, .handler = handler, .auth = auth, .subtree = subtree};
}

constexpr RouteEntry NeedingPermission(std::string_view permission, RouteEntry route) {
  route.permission = permission;
  return route;
}

constexpr RouteEntry PreferringMinimal(RouteEntry route) {
  route.prefer_minimal = true;
  return route;
}

constexpr RouteEntry YieldingToProxy(RouteEntry route) {
  route.yields_to_proxy = true;
  return route;
}

constexpr std::array kRoutes = {
    InMemory("GET", "/healthz", HandleHealthz),
    InMemory("GET", "/readyz", HandleReadyz),
    InMemory("GET", "/metrics", HandleMetrics, kVerifierCaller),
    Blocking("POST", "/v1/accounts", HandleCreateAccount, kAdminOnly, "/v1/accounts"),
    Blocking("GET", "/v1/accounts", HandleListAccounts, kAdminOnly, "/v1/accounts"),
    Blocking("GET", "/v1/accounts/:id", HandleGetAccount, kAdminOnly, "/v1/accounts"),
    Blocking("POST", "/v1/accounts/:id/credits", HandleAddCredits, kAdminOnly, "/v1/accounts"),
    Blocking("POST", "/v1/accounts/:id", HandleUpdateAccount, kAdminOnly, "/v1/accounts"),
    Blocking("POST", "/v1/accounts/:id/disable", HandleDisableAccount, kAdminOnly, "/v1/accounts"),
    Blocking("POST", "/v1/accounts/:id/enable", HandleEnableAccount, kAdminOnly, "/v1/accounts"),
    Blocking("GET", "/v1/plans", HandleListPlans, kAdminOnly, "/v1/plans"),
    Blocking("POST", "/v1/plans", HandleCreatePlan, kAdminOnly, "/v1/plans"),
    Blocking("GET", "/v1/plans/:id", HandleGetPlan, kAdminOnly, "/v1/plans"),
    Blocking("POST", "/v1/plans/:id", HandleUpdatePlan, kAdminOnly, "/v1/plans"),
    Blocking("POST", "/v1/tokens", HandleCreateToken, kManagement, "/v1/tokens"),
    // Before /v1/tokens/:id, which would otherwise take "import" for an id (API.md 11.4).
    Blocking("POST", "/v1/tokens/import", HandleImportTokens, kAdminOnly, "/v1/tokens"),
    Blocking("GET", "/v1/tokens", HandleListTokens, kManagement, "/v1/tokens"),
    Blocking("GET", "/v1/tokens/:id", HandleGetToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/tokens/:id/revoke", HandleRevokeToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/tokens/:id/roll", HandleRollToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/tokens/:id", HandleUpdateToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/tokens/:id/disable", HandleDisableToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/tokens/:id/enable", HandleEnableToken, kManagement, "/v1/tokens"),
    Blocking("POST", "/v1/token", HandleMintAccessToken, kManagement),
    Blocking("POST", "/v1/token/verify", HandleCheckAccessToken, kManagement),
    NeedingPermission("billing:read",
                      Blocking("GET", "/v1/credits", HandleGetCredits, kManagement)),
    NeedingPermission("billing:read", Blocking("GET", "/v1/usage", HandleGetUsage, kManagement)),
    InMemory("POST", "/v1/keys/verify", HandleVerifyKey, kVerifierCaller),
    NeedingPermission("events:read",
                      Blocking("GET", "/v1/events", HandleListEvents, kManagement, "/v1/events")),
    NeedingPermission("events:read",
                      Blocking("GET", "/v1/events/:id", HandleGetEvent, kManagement, "/v1/events")),
    Blocking("POST", "/v1/webhook_endpoints", HandleCreateWebhookEndpoint, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("GET", "/v1/webhook_endpoints", HandleListWebhookEndpoints, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("GET", "/v1/webhook_endpoints/:id", HandleGetWebhookEndpoint, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("POST", "/v1/webhook_endpoints/:id", HandleUpdateWebhookEndpoint, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("DELETE", "/v1/webhook_endpoints/:id", HandleDeleteWebhookEndpoint, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("POST", "/v1/webhook_endpoints/:id/roll_secret", HandleRollWebhookSecret, kManagement,
             "/v1/webhook_endpoints"),
    Blocking("GET", "/v1/webhook_endpoints/:id/deliveries", HandleListWebhookDeliveries,
             kManagement, "/v1/webhook_endpoints"),
    // GitHub's secret-scanning partner program (signed) or an admin key (API.md 15).
    Blocking("POST", "/v1/leaked_keys", HandleLeakedKeys, kNone),
    Blocking("POST", "/v1/signup", HandleSignUp, kNone),
    Blocking("POST", "/v1/session", HandleCreateSession, kNone),
    Blocking("GET", "/v1/session", HandleGetSession, kAnySession),
    Blocking("DELETE", "/v1/session", HandleDeleteSession, kAnySessionCsrf),
    Blocking("POST", "/v1/agent-auth/approve", HandleAgentAuthApprove, kSessionCsrf,
             "/v1/agent-auth"),
    Blocking("GET", "/v1/agent-auth/token/:id", HandleAgentAuthPoll, kNone, "/v1/agent-auth"),
    // Operators (API.md 16): an operator's session is an admin credential (kAdminOnly, and
    // kManagement with Keyward-Account); kSession routes are customers' only.
    Blocking("POST", "/v1/operators/setup", HandleOperatorSetup, kNone, "/v1/operators"),
    Blocking("GET", "/v1/console/accounts", HandleConsoleAccounts, kAdminOnly, "/v1/console"),
    // In proxy mode "/" is the protected API's (API.md 5): forwarded, not redirected.
    YieldingToProxy(InMemory("GET", "/", HandleRoot)),
    InMemory("GET", "/dashboard", HandleDashboardRedirect, kNone, "/dashboard"),
    InMemory("GET", "/dashboard/", HandleDashboardIndex, kNone, "/dashboard"),
    InMemory("GET", "/dashboard/setup", HandleOperatorSetupPage, kNone, "/dashboard"),
    InMemory("GET", "/dashboard/:id", HandleDashboardAsset, kNone, "/dashboard"),
    InMemory("GET", "/agent-auth", HandleAgentAuthPage),
    // /v1/auth and everything below it, any method: see FindRoute().
    PreferringMinimal(InMemory("*", "/v1/auth", HandleAuth, kVerifierCaller, "/v1/auth")),
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
