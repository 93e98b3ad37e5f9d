// Verification for gateways and backends (API.md 5): POST /v1/keys/verify and GET /v1/auth. The
// routes admit verification callers only (the checkpoint answers 404 to anyone else).
#include <boost/json.hpp>

#include "core/credential.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

std::string_view StripQuery(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace

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
  p = std::string(StripQuery(p));
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

  Verdict v = ctx.verifier.Verify(*key, m, p, ip);
  if (v.error == ErrorCode::kUnavailable) {
    return ErrorResponse(Error(ErrorCode::kUnavailable, v.message), req.request_id);
  }
  return JsonResponse(ToJson(VerdictObject(v)));
}

namespace {

HttpResponse AuthVerdict(const HandlerContext& ctx, const HttpRequest& req) {
  PresentedCredential cred =
      ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  if (cred.presence != CredentialPresence::kPresent) {
    HttpResponse res = RefusalFor(cred.presence, req.request_id);
    res.Add("X-Keyward-Error", res.body);
    return res;
  }

  std::string_view method = req.method;
  std::string_view path;
  if (auto orig_method = req.Header("x-original-method")) method = *orig_method;
  if (auto orig_uri = req.Header("x-original-uri")) {
    path = StripQuery(*orig_uri);
  } else {
    path = req.path.substr(std::string_view("/v1/auth").size());
    if (path.empty()) path = "/";
  }

  // The client address is worked out only if the key needs it (an allowlist, the sandbox).
  RequestClientAddress client(req, ctx.settings.trusted_proxies);
  Verdict v = ctx.verifier.Verify(cred.value, method, path, client);
  HttpResponse res;
  if (!v.valid()) {
    res = ErrorResponse(Error(*v.error, v.message), req.request_id);
    // The same JSON in a header: nginx's auth_request drops the subrequest's body, and the
    // documented error page answers with this (docs/operations.md). JSON has no CR/LF.
    res.Add("X-Keyward-Error", res.body);
    AddRefusalHeaders(res, v);
    return res;
  }
  res.body = "{\"valid\":true}";
  res.headers.reserve(320);
  AppendIdentityHeaders(res.headers, *v.record, v.extras.get());
  if (v.ratelimit) AddRateLimitHeaders(res, *v.ratelimit);
  return res;
}

}  // namespace

// The route honours `Prefer: return=minimal` (route.h prefer_minimal): the checkpoint drops the
// body.
HttpResponse HandleAuth(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                        const PathParams&) {
  return AuthVerdict(ctx, req);
}

}  // namespace keyward
