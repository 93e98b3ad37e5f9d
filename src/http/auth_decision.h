// The decision of /v1/auth (API.md 5, 10), written once for every edge that asks it: the HTTP
// route (any method on /v1/auth…, verify_handlers.cc) and the gRPC ext_authz listener (src/grpc/).
// Given the credential headers of the original request and its method and URI, it answers
// exactly what /v1/auth answers: 200 with the X-Keyward-* identity lines and the rate-limit
// headers, or the refusal — its status, JSON error body (also in X-Keyward-Error), and
// WWW-Authenticate / Retry-After / rate-limit headers; 400 for a URI or method the proxy would
// refuse too (request_target.h); 503 UNAVAILABLE when keyward cannot decide.
// Pure over thread-safe services; thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "http/handler_context.h"
#include "http/http_types.h"

namespace keyward {

// The original request a gateway asks about.
struct OriginalRequest {
  std::string_view method;
  std::string_view target;  // path and query, as sent
};

// By precedence (API.md 10): X-Original-Method/-URI (nginx auth_request), X-Forwarded-Method/-Uri
// (Caddy forward_auth, Traefik ForwardAuth), else `req`'s own method and the path after /v1/auth
// (Envoy HTTP ext_authz with path_prefix). Each of the two comes from the first convention that
// carries it. Only for callers the /v1/auth route admits (verifier.allow_from or an admin key):
// their headers are never a client's own.
OriginalRequest OriginalOf(const HttpRequest& req);

// The decision for `original`, with the credential (x-api-key / Authorization) and request id of
// `req`. `client_ip` is the client's address for the key's IP allowlist and the sandbox's per-IP
// limit; nullopt = from `req`
// (X-Forwarded-For / X-Real-IP of a trusted proxy, else the peer).
HttpResponse AuthorizeOriginal(const HandlerContext& ctx, const HttpRequest& req,
                               const OriginalRequest& original,
                               std::optional<std::string_view> client_ip = std::nullopt);

}  // namespace keyward
