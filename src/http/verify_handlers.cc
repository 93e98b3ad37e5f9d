// Verification for gateways and backends (API.md 5, 10): POST /v1/keys/verify and /v1/auth (any
// method, and below). The routes admit verification callers only (the checkpoint answers 404 to
// anyone else).
#include <boost/json.hpp>

#include "http/auth_decision.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"
#include "http/request_auth.h"
#include "http/request_target.h"

namespace keyward {
HttpResponse HandleVerifyKey(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                             const PathParams&) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return ErrorResponse(body.error(), req.request_id);
  if (Status st = body->OnlyFields({"key", "method", "path", "client_ip"}); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  auto key = body->RequiredString("key");
  if (!key.ok()) return ErrorResponse(key.error(), req.request_id);
  auto method = body->String("method");
  if (!method.ok()) return ErrorResponse(method.error(), req.request_id);
  auto path = body->String("path");
  if (!path.ok()) return ErrorResponse(path.error(), req.request_id);
  auto client_ip = body->String("client_ip");
  if (!client_ip.ok()) return ErrorResponse(client_ip.error(), req.request_id);
  std::string m = method->value.value_or("GET");
  std::string p = path->value.value_or("/");
  if (p.empty() || p[0] != '/') {
    return ErrorResponse(InvalidRequest("path must start with '/'.", "path"), req.request_id);
  }
  if (auto why = CheckTarget(p)) return ErrorResponse(InvalidRequest(*why, "path"), req.request_id);
  if (!IsMethodToken(m)) {
    return ErrorResponse(InvalidRequest("method must be an HTTP method.", "method"),
                         req.request_id);
  }
  // Without client_ip there is no client address (the caller is a gateway, API.md 11.5): a key
  // with an allowlist is refused. Only the sandbox's per-IP limit falls back to the caller's.
  std::string ip;
  if (client_ip->value) {
    if (!ParseIp(*client_ip->value)) {
      return ErrorResponse(InvalidRequest("client_ip must be an IP address.", "client_ip"),
                           req.request_id);
    }
    ip = *client_ip->value;
  } else if (*key == ctx.sandbox_key) {
    ip = ClientIp(req, ctx.settings.trusted_proxies);
  }

  // Matched as /v1/auth and the proxy match (request_target.h).
  std::string method_scratch, path_scratch;
  Verdict v =
      ctx.verifier.Verify(*key, MatchMethod(m, &method_scratch), MatchPath(p, &path_scratch), ip);
  if (v.error == ErrorCode::kUnavailable) {
    return ErrorResponse(Error(ErrorCode::kUnavailable, v.message), req.request_id);
  }
  return JsonResponse(ToJson(VerdictObject(v)));
}

// The route honours `Prefer: return=minimal` (route.h prefer_minimal): the checkpoint drops the
// body.
HttpResponse HandleAuth(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                        const PathParams&) {
  return AuthorizeOriginal(ctx, req, OriginalOf(req));
}

}  // namespace keyward
