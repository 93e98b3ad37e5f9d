// One entry of keyward's route registry (route_registry.cc): the method and path a handler serves
// and, as data, what admission the request needs before the handler runs — which credentials are
// accepted, the permission a key must hold, whether Idempotency-Key is honoured, whether it runs
// on the blocking pool, and which paths below it are keyward's own (never forwarded in proxy
// mode). The checkpoint (checkpoint.h) and the proxy read these declarations; handlers never
// re-check them. Plain constexpr values.
#pragma once

#include <string_view>

#include "http/http_types.h"

namespace keyward {

struct Caller;
struct HandlerContext;

struct PathParams {
  std::string_view id;
};

// Which credentials a route accepts (API.md 1.1, 5, 7, 8). The checkpoint authenticates once by
// this and refuses everything else with the documented status.
enum class RouteAuth : unsigned char {
  kNone,            // anyone (health, dashboard files, sign-up, sign-in, the agent's poll)
  kVerifierCaller,  // a peer in verifier.allow_from or a valid Keyward-Admin-Key; else 404
  kManagement,      // an admin key, an account's key (management rate limit), or a dashboard
                    // session (X-CSRF-Token on writes): a customer's, or an operator's, which
                    // acts as an admin (API.md 16; for an account only with Keyward-Account)
  kAdminOnly,       // as kManagement, but anything other than an admin key or an operator's
                    // session → 403
  kSession,         // a customer's dashboard session cookie (an operator's → 403)
  kSessionCsrf,     // a customer's dashboard session cookie and its X-CSRF-Token
  kAnySession,      // a customer's or an operator's dashboard session cookie
  kAnySessionCsrf,  // a customer's or an operator's dashboard session and its X-CSRF-Token
};

// A handler runs only after the checkpoint admitted `caller` for its route.
using Handler = HttpResponse (*)(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams& params);

struct RouteEntry {
  std::string_view method;   // "*" = any method
  std::string_view pattern;  // segments; ":id" captures one
  Handler handler;
  RouteAuth auth = RouteAuth::kNone;
  // "resource:action" a key caller must hold (a secret key, or a restricted key granting it;
  // never an access token or a publishable key) → else 403. Admins and sessions pass.
  std::string_view permission = {};
  bool idempotent = false;  // Idempotency-Key honoured (API.md 1.4)
  bool blocking = false;    // touches the store for writes: run off the I/O threads
  // Every path at or below this prefix of `pattern` is keyward's own, routed or not (404, never
  // forwarded); "" = only the paths the pattern matches.
  std::string_view subtree = {};
  // In proxy mode this path is the protected API's, forwarded upstream, not served ("/").
  bool yields_to_proxy = false;
  // Honours `Prefer: return=minimal` (RFC 7240): every answer the route gives, refusals included,
  // goes without its body, so that nginx can keep its connection to us alive (auth_request never
  // reads a subrequest's body, and closes the connection when there is one). GET /v1/auth.
  bool prefer_minimal = false;
};

}  // namespace keyward
