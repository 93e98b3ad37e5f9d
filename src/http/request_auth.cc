#include "http/request_auth.h"

#include <charconv>

#include "core/credential.h"
#include "http/errors.h"
#include "http/session_auth.h"

namespace keyward {

namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

// A dashboard session on a management endpoint (API.md 1.1, 8): writes need X-CSRF-Token.
std::variant<Caller, HttpResponse> AuthenticateBySession(Api& api, const HttpRequest& req,
                                                         bool admin_only) {
  auto who = AuthenticateSession(api, req, /*need_csrf=*/!IsSafeMethod(req.method));
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const SessionCaller& session = std::get<SessionCaller>(who);
  if (admin_only) {
    return ErrorResponse(Error(ErrorCode::kForbidden, "Only admin keys manage accounts."),
                         req.request_id);
  }
  auto account_header = req.Header("keyward-account");
  if (account_header && *account_header != session.info.account_id) {
    return ErrorResponse(Error(ErrorCode::kForbidden, "A session may act only on its own account."),
                         req.request_id);
  }
  return Caller{Principal::Session(session.info.account_id), std::nullopt};
}

}  // namespace

// Written straight into the header block: this runs on every authenticated response.
void AddRateLimitHeaders(HttpResponse& res, const RateLimitReport& r) {
  std::string& h = res.headers;
  h.append("X-RateLimit-Limit: ");
  AppendInt(h, r.limit);
  h.append("\r\nX-RateLimit-Remaining: ");
  AppendInt(h, r.remaining);
  h.append("\r\nX-RateLimit-Reset: ");
  AppendInt(h, r.reset_unix);
  h.append("\r\nRateLimit-Policy: \"").append(r.policy).append("\";q=");
  AppendInt(h, r.limit);
  h.append(";w=");
  AppendInt(h, r.window_seconds);
  h.append("\r\nRateLimit: \"").append(r.policy).append("\";r=");
  AppendInt(h, r.remaining);
  h.append(";t=");
  AppendInt(h, r.reset_after_s);
  h.append("\r\n");
}

void AppendIdentityHeaders(std::string& h, const KeyRecord& rec) {
  h.append("X-Keyward-Account: ").append(rec.account->id);
  h.append("\r\nX-Keyward-Token-Id: ").append(rec.token_id());
  h.append("\r\nX-Keyward-Permissions: ");
  if (rec.type == KeyType::kSecret) {  // a secret key, its access tokens, the sandbox
    h.append("*");
  } else {
    for (size_t i = 0; i < rec.permissions.size(); ++i) {
      if (i > 0) h.push_back(',');
      h.append(rec.permissions[i]);
    }
  }
  h.append("\r\nX-Keyward-Livemode: ").append(rec.livemode ? "true" : "false");
  h.append("\r\nX-Keyward-Sandbox: ").append(rec.sandbox ? "true" : "false");
  h.append("\r\n");
}

HttpResponse JsonResponse(std::string body, int status) {
  HttpResponse res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

HttpResponse CallerError(const Caller& caller, const Error& error, const HttpRequest& req) {
  HttpResponse res = ErrorResponse(error, req.request_id);
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  return res;
}

HttpResponse CallerJson(const Caller& caller, std::string body) {
  HttpResponse res = JsonResponse(std::move(body));
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  return res;
}

std::variant<Caller, HttpResponse> AuthenticateManagement(Api& api, const HttpRequest& req,
                                                          bool admin_only) {
  Services& sv = api.services();
  PresentedCredential cred = ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  std::optional<std::string_view> admin_header = req.Header("keyward-admin-key");
  if (cred.presence == CredentialPresence::kMissing && admin_header) {
    cred.presence = CredentialPresence::kPresent;
    cred.value = *admin_header;
  }
  switch (cred.presence) {
    case CredentialPresence::kMissing:
      if (SessionCookie(req)) return AuthenticateBySession(api, req, admin_only);
      return ErrorResponse(Error(ErrorCode::kUnauthorized, "No API key was provided."),
                           req.request_id, /*credential_missing=*/true);
    case CredentialPresence::kConflict:
      return ErrorResponse(Error(ErrorCode::kUnauthorized,
                                 "x-api-key and Authorization name different keys."),
                           req.request_id);
    case CredentialPresence::kMalformed:
      return ErrorResponse(Error(ErrorCode::kUnauthorized, "The API key is malformed."),
                           req.request_id);
    case CredentialPresence::kPresent:
      break;
  }

  std::string account_header(req.Header("keyward-account").value_or(""));
  auto parsed = sv.format().Parse(cred.value);
  if (parsed && parsed->kind == CredentialKind::kAdminKey) {
    Status st = sv.admin_keys().Authenticate(cred.value);
    if (!st.ok()) return ErrorResponse(st.error(), req.request_id);
    return Caller{Principal::Admin(std::move(account_header)), std::nullopt};
  }

  auto identified = sv.verifier().Identify(cred.value);
  if (!identified.ok()) return ErrorResponse(identified.error(), req.request_id);
  if ((*identified)->sandbox) {
    return ErrorResponse(Error(ErrorCode::kForbidden, "The sandbox key has no management access."),
                         req.request_id);
  }
  Verdict verdict = sv.verifier().AdmitManagement(*identified);
  Caller caller{Principal::OfKey(*identified), verdict.ratelimit};
  if (!verdict.valid()) {
    HttpResponse res = CallerError(caller, Error(*verdict.error, verdict.message), req);
    if (verdict.ratelimit && *verdict.error == ErrorCode::kRateLimited) {
      res.Add("Retry-After", std::to_string(verdict.ratelimit->retry_after_s));
    }
    return res;
  }
  if (admin_only) {
    return CallerError(caller, Error(ErrorCode::kForbidden, "Only admin keys manage accounts."),
                       req);
  }
  if (!account_header.empty() && account_header != caller.principal.account_id) {
    return CallerError(caller,
                       Error(ErrorCode::kForbidden, "This key may act only on its own account."),
                       req);
  }
  return caller;
}

std::optional<std::string> IdempotencyScope(Api& api, const HttpRequest& req) {
  Services& sv = api.services();
  PresentedCredential cred = ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  if (cred.presence == CredentialPresence::kMissing) {
    if (auto admin = req.Header("keyward-admin-key")) {
      cred = PresentedCredential{CredentialPresence::kPresent, *admin};
    }
  }
  if (cred.presence == CredentialPresence::kMissing) {
    if (auto cookie = SessionCookie(req)) {
      auto session = sv.sessions().Find(*cookie);
      if (!session.ok() || !*session) return std::nullopt;
      return (*session)->account_id;
    }
  }
  if (cred.presence != CredentialPresence::kPresent) return std::nullopt;
  auto parsed = sv.format().Parse(cred.value);
  if (parsed && parsed->kind == CredentialKind::kAdminKey) {
    if (!sv.admin_keys().Authenticate(cred.value).ok()) return std::nullopt;
    return "admin:" + std::string(req.Header("keyward-account").value_or(""));
  }
  auto identified = sv.verifier().Identify(cred.value);
  if (!identified.ok() || (*identified)->sandbox) return std::nullopt;
  return (*identified)->account->id;
}

bool IsVerifierCaller(Api& api, const HttpRequest& req) {
  if (AnyContains(api.settings().verifier_allow_from, req.peer)) return true;
  auto admin = req.Header("keyward-admin-key");
  return admin && api.services().admin_keys().Authenticate(*admin).ok();
}

}  // namespace keyward
