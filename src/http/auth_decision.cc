#include "http/auth_decision.h"

#include <string>

#include "core/credential.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/request_auth.h"
#include "http/request_target.h"

namespace keyward {
namespace {

constexpr std::string_view kAuthPrefix = "/v1/auth";

HttpResponse Refusal(Error error, std::string_view request_id) {
  HttpResponse res = ErrorResponse(error, request_id);
  // The same JSON in a header: nginx's auth_request drops the subrequest's body, and the
  // documented error page answers with this (docs/operations.md). JSON has no CR/LF.
  res.Add("X-Keyward-Error", res.body);
  return res;
}

}  // namespace

OriginalRequest OriginalOf(const HttpRequest& req) {
  OriginalRequest o;
  if (auto m = req.Header("x-original-method")) {
    o.method = *m;
  } else if (auto fm = req.Header("x-forwarded-method")) {
    o.method = *fm;
  } else {
    o.method = req.method;
  }
  if (auto uri = req.Header("x-original-uri")) {
    o.target = *uri;
  } else if (auto fu = req.Header("x-forwarded-uri")) {
    o.target = *fu;
  } else {
    o.target = req.target.starts_with(kAuthPrefix) ? req.target.substr(kAuthPrefix.size())
                                                   : std::string_view();
    if (o.target.empty() || o.target.front() == '?') o.target = "/";
  }
  return o;
}

HttpResponse AuthorizeOriginal(const HandlerContext& ctx, const HttpRequest& req,
                               const OriginalRequest& original,
                               std::optional<std::string_view> client_ip) {
  PresentedCredential cred =
      ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  if (cred.presence != CredentialPresence::kPresent) {
    HttpResponse res = RefusalFor(cred.presence, req.request_id);
    res.Add("X-Keyward-Error", res.body);
    return res;
  }

  // The same normalisation as proxy mode (request_target.h): a path cannot match differently here.
  if (!IsMethodToken(original.method)) {
    return Refusal(InvalidRequest("The original request's method is not an HTTP method."),
                   req.request_id);
  }
  if (auto why = CheckTarget(original.target)) {
    return Refusal(InvalidRequest(*why), req.request_id);
  }
  std::string method_scratch, path_scratch;
  const std::string_view method = MatchMethod(original.method, &method_scratch);
  const std::string_view path = MatchPath(original.target, &path_scratch);

  // The client address is worked out only if the key needs it (an IP allowlist, the sandbox's
  // per-IP limit): the one given (gRPC ext_authz: the source address), else the request's.
  RequestClientAddress from_request(req, ctx.settings.trusted_proxies);
  FixedClientAddress given(client_ip.value_or(std::string_view()));
  const ClientAddress& client = client_ip ? static_cast<const ClientAddress&>(given) : from_request;
  Verdict v = ctx.verifier.Verify(cred.value, method, path, client);
  if (!v.valid()) {
    HttpResponse res = Refusal(Error(*v.error, v.message), req.request_id);
    AddRefusalHeaders(res, v);
    return res;
  }
  HttpResponse res;
  res.body = "{\"valid\":true}";
  res.headers.reserve(320);
  AppendIdentityHeaders(res.headers, *v.record, v.extras.get());
  if (v.ratelimit) AddRateLimitHeaders(res, *v.ratelimit);
  return res;
}

}  // namespace keyward
