// keyward's one admission checkpoint (after Redis's processCommand): every routed request passes
// here, and a handler runs only for a caller its route admits. By the route's declaration
// (route.h) it
//   1. validates an Idempotency-Key (400) on routes that honour it;
//   2. authenticates once and builds the Caller (401 / 403 for the sandbox key / 404 for a
//      verification caller not allowed / 503 when the store fails);
//   3. runs the Idempotency-Key gate for that caller's scope (replay, 409, 422);
//   4. admits: X-CSRF-Token for session writes, admin only, Keyward-Account naming the caller's
//      own account, the management rate limit of a key (429 with Retry-After), the route's
//      permission (403);
//   5. runs the handler, adds the caller's rate-limit headers to whatever is answered, and records
//      the answer under the Idempotency-Key;
//   6. drops the body of any answer on routes that honour `Prefer: return=minimal`.
// An identified caller that step 4 refuses has claimed its Idempotency-Key; the refusal is not
// stored (API.md 1.4), and a replay answers without taking the rate limit again, as before.
// Thread-safe: immutable after construction; the services it calls are thread-safe. Exceptions
// from handlers propagate (Api turns them into 500) after the Idempotency-Key is released.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "core/cidr.h"
#include "core/key_format.h"
#include "http/handler_context.h"
#include "http/idempotency_gate.h"
#include "http/request_auth.h"
#include "http/route.h"
#include "service/admin_keys.h"

namespace keyward {

class Checkpoint {
 public:
  // What authentication needs beyond the handlers' context. References must outlive the
  // Checkpoint.
  struct Deps {
    const KeyFormat& format;
    AdminKeys& admin_keys;
    IdempotencyService& idempotency;
    const std::vector<Cidr>& verifier_allow_from;
  };

  Checkpoint(Deps deps, const HandlerContext& ctx);

  // Admits `req` for `route` and runs its handler, or answers the refusal.
  HttpResponse Run(const RouteEntry& route, const HttpRequest& req, const PathParams& params) const;

 private:
  using Identified = std::variant<Caller, HttpResponse>;  // the caller, or the refusal

  // Steps 1-5.
  HttpResponse Pass(const RouteEntry& route, const HttpRequest& req,
                    const PathParams& params) const;

  Identified Identify(const RouteEntry& route, const HttpRequest& req, bool wants_scope) const;
  // An admin key, an account's key (identified, not yet admitted) or a dashboard session.
  Identified IdentifyManagement(const HttpRequest& req) const;
  Identified IdentifySession(const HttpRequest& req) const;
  bool IsVerifierCaller(const HttpRequest& req) const;
  // Step 4: the refusal (with all its headers), or nullopt. Sets `caller.ratelimit`.
  std::optional<HttpResponse> Admit(const RouteEntry& route, Caller& caller,
                                    const HttpRequest& req) const;
  HttpResponse AdmitAndRun(const RouteEntry& route, Caller& caller, const HttpRequest& req,
                           const PathParams& params) const;

  Deps deps_;
  const HandlerContext& ctx_;
  IdempotencyGate gate_;
};

}  // namespace keyward
