#include "http/checkpoint.h"

#include "core/permissions.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/session_auth.h"

namespace keyward {
namespace {

HttpResponse Refuse(const Caller& caller, Error error, const HttpRequest& req) {
  HttpResponse res = ErrorResponse(error, req.request_id);
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  return res;
}

// A route permission is held by an API key itself: a secret key, or a restricted key granting it.
bool Holds(const KeyRecord& key, std::string_view permission) {
  return key.kind == CredentialKind::kApiKey &&
         (key.type == KeyType::kSecret ||
          (key.type == KeyType::kRestricted && AnyGrants(key.permissions, permission)));
}

// "billing:read" → "This key may not read billing."
std::string PermissionRefusal(std::string_view permission) {
  const size_t colon = permission.find(':');
  std::string_view resource = permission.substr(0, colon);
  std::string_view action = colon == std::string_view::npos ? "use" : permission.substr(colon + 1);
  std::string text = "This key may not ";
  text.append(action).append(" ").append(resource).append(".");
  return text;
}

}  // namespace

Checkpoint::Checkpoint(Deps deps, const HandlerContext& ctx)
    : deps_(deps), ctx_(ctx), gate_(deps.idempotency) {}

HttpResponse Checkpoint::Run(const RouteEntry& route, const HttpRequest& req,
                             const PathParams& params) const {
  HttpResponse res = Pass(route, req, params);
  if (route.prefer_minimal) {
    auto prefer = req.Header("prefer");
    if (prefer && prefer->find("return=minimal") != std::string_view::npos) {
      res.body.clear();  // a refusal's JSON is still in X-Keyward-Error
      res.Add("Preference-Applied", "return=minimal");
    }
  }
  return res;
}

HttpResponse Checkpoint::Pass(const RouteEntry& route, const HttpRequest& req,
                              const PathParams& params) const {
  std::optional<std::string_view> key;
  if (route.idempotent) {
    key = req.Header("idempotency-key");
    if (key) {
      if (auto invalid = IdempotencyGate::Validate(*key, req.request_id)) return *invalid;
    }
  }
  Identified who = Identify(route, req, /*wants_scope=*/key.has_value());
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  Caller& caller = std::get<Caller>(who);
  if (!key || caller.idempotency_scope.empty()) return AdmitAndRun(route, caller, req, params);

  const std::string& scope = caller.idempotency_scope;
  IdempotencyGate::Entry entry =
      gate_.Enter(scope, *key, IdempotencyService::Fingerprint(req.method, req.target, req.body),
                  req.request_id);
  if (!entry.proceed) return std::move(entry.response);
  HttpResponse res;
  try {
    res = AdmitAndRun(route, caller, req, params);
  } catch (...) {
    gate_.Abandon(scope, *key);
    throw;
  }
  gate_.Leave(scope, *key, res, req.request_id);
  return res;
}

HttpResponse Checkpoint::AdmitAndRun(const RouteEntry& route, Caller& caller,
                                     const HttpRequest& req, const PathParams& params) const {
  if (auto refused = Admit(route, caller, req)) return std::move(*refused);
  HttpResponse res = route.handler(ctx_, caller, req, params);
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  return res;
}

Checkpoint::Identified Checkpoint::Identify(const RouteEntry& route, const HttpRequest& req,
                                            bool wants_scope) const {
  switch (route.auth) {
    case RouteAuth::kNone: {
      // Open routes still scope an Idempotency-Key by whatever credential the request carries;
      // one that identifies nobody runs without the gate.
      Caller open;
      if (wants_scope) {
        Identified who = IdentifyManagement(req);
        if (auto* c = std::get_if<Caller>(&who)) open.idempotency_scope = c->idempotency_scope;
      }
      return open;
    }
    case RouteAuth::kVerifierCaller:
      if (IsVerifierCaller(req)) return Caller{};
      return ErrorResponse(Error(ErrorCode::kNotFound, "No such path."), req.request_id);
    case RouteAuth::kManagement:
    case RouteAuth::kAdminOnly:
      return IdentifyManagement(req);
    case RouteAuth::kSession:
    case RouteAuth::kSessionCsrf:
      return IdentifySession(req);
  }
  return ErrorResponse(Error(ErrorCode::kInternalError), req.request_id);
}

Checkpoint::Identified Checkpoint::IdentifyManagement(const HttpRequest& req) const {
  PresentedCredential cred = ManagementCredential(req);
  if (cred.presence == CredentialPresence::kMissing && SessionCookie(req)) {
    return IdentifySession(req);
  }
  if (cred.presence != CredentialPresence::kPresent) {
    return RefusalFor(cred.presence, req.request_id);
  }
  Caller caller;
  caller.authenticated = true;
  auto parsed = deps_.format.Parse(cred.value);
  if (parsed && parsed->kind == CredentialKind::kAdminKey) {
    Status st = deps_.admin_keys.Authenticate(cred.value);
    if (!st.ok()) return ErrorResponse(st.error(), req.request_id);
    std::string account(req.Header("keyward-account").value_or(""));
    caller.idempotency_scope = "admin:" + account;
    caller.principal = Principal::Admin(std::move(account));
    return caller;
  }
  // The key's IP allowlist applies to management calls too (API.md 11.5).
  auto identified =
      ctx_.verifier.Identify(cred.value, RequestClientAddress(req, ctx_.settings.trusted_proxies));
  if (!identified.ok()) return ErrorResponse(identified.error(), req.request_id);
  if ((*identified)->sandbox) {
    return ErrorResponse(Error(ErrorCode::kForbidden, "The sandbox key has no management access."),
                         req.request_id);
  }
  caller.principal = Principal::OfKey(*identified);
  caller.idempotency_scope = caller.principal.account_id;
  return caller;
}

Checkpoint::Identified Checkpoint::IdentifySession(const HttpRequest& req) const {
  auto found = FindSession(ctx_.sessions, req);
  if (auto* refused = std::get_if<HttpResponse>(&found)) return std::move(*refused);
  SessionCaller& session = std::get<SessionCaller>(found);
  Caller caller;
  caller.authenticated = true;
  caller.principal = Principal::Session(session.info.account_id);
  caller.idempotency_scope = session.info.account_id;
  caller.session_secret = std::move(session.secret);
  caller.session_expires_at = session.info.expires_at;
  return caller;
}

bool Checkpoint::IsVerifierCaller(const HttpRequest& req) const {
  if (AnyContains(deps_.verifier_allow_from, req.peer)) return true;
  auto admin = req.Header("keyward-admin-key");
  return admin && deps_.admin_keys.Authenticate(*admin).ok();
}

std::optional<HttpResponse> Checkpoint::Admit(const RouteEntry& route, Caller& caller,
                                              const HttpRequest& req) const {
  if (route.auth == RouteAuth::kSessionCsrf) return CheckCsrf(req, caller.session_secret);
  if (route.auth != RouteAuth::kManagement && route.auth != RouteAuth::kAdminOnly) {
    return std::nullopt;
  }
  const bool admin_only = route.auth == RouteAuth::kAdminOnly;
  const Principal& who = caller.principal;
  auto account_header = req.Header("keyward-account");
  switch (who.kind) {
    case Principal::Kind::kAdmin:
      return std::nullopt;
    case Principal::Kind::kSession:  // API.md 1.1, 8: writes need X-CSRF-Token
      if (!IsSafeMethod(req.method)) {
        if (auto refused = CheckCsrf(req, caller.session_secret)) return refused;
      }
      if (admin_only) {
        return Refuse(caller, Error(ErrorCode::kForbidden, "Only admin keys manage accounts."),
                      req);
      }
      if (account_header && *account_header != who.account_id) {
        return Refuse(caller,
                      Error(ErrorCode::kForbidden, "A session may act only on its own account."),
                      req);
      }
      return std::nullopt;
    case Principal::Kind::kKey:
      break;
  }
  Verdict verdict = ctx_.verifier.AdmitManagement(who.key);
  caller.ratelimit = verdict.ratelimit;
  if (!verdict.valid()) {
    HttpResponse res = ErrorResponse(Error(*verdict.error, verdict.message), req.request_id);
    AddRefusalHeaders(res, verdict);
    return res;
  }
  if (admin_only) {
    return Refuse(caller, Error(ErrorCode::kForbidden, "Only admin keys manage accounts."), req);
  }
  if (account_header && !account_header->empty() && *account_header != who.account_id) {
    return Refuse(caller, Error(ErrorCode::kForbidden, "This key may act only on its own account."),
                  req);
  }
  if (!route.permission.empty() && !Holds(*who.key, route.permission)) {
    return Refuse(caller, Error(ErrorCode::kForbidden, PermissionRefusal(route.permission)), req);
  }
  return std::nullopt;
}

}  // namespace keyward
