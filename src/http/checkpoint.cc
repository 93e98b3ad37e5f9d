#include "http/checkpoint.h"

#include "core/permissions.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/session_auth.h"
#include "service/idempotency_replay.h"

namespace keyward {
namespace {

HttpResponse Refuse(const Caller& caller, Error error, const HttpRequest& req) {
  HttpResponse res = ErrorResponse(error, req.request_id);
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  return res;
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
  // The events the handler's writes record name this request and its client (API.md 13).
  caller.principal.request_id = std::string(req.request_id);
  caller.principal.actor.ip = ClientIp(req, ctx_.settings.trusted_proxies);
  if (!key || caller.idempotency_scope.empty()) return AdmitAndRun(route, caller, req, params);

  const std::string& scope = caller.idempotency_scope;
  IdempotencyGate::Entry entry =
      gate_.Enter(scope, *key, IdempotencyService::Fingerprint(req.method, req.target, req.body),
                  req.request_id);
  if (!entry.proceed) return std::move(entry.response);
  HttpResponse res;
  try {
    // The request's change marks the key done in its own transaction (API.md 16.1).
    const IdempotencyBinding binding = IdempotencyReplayBinding(scope, *key);
    IdempotencyBindingScope bound(&binding);
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
  {
    // What admission records (limits, credits) is not the request's change: only the handler's
    // changes mark an Idempotency-Key done (API.md 16.1).
    IdempotencyBindingScope admission(nullptr);
    if (auto refused = Admit(route, caller, req)) return std::move(*refused);
  }
  HttpResponse res = route.handler(ctx_, caller, req, params);
  if (caller.ratelimit) AddRateLimitHeaders(res, *caller.ratelimit);
  // The domain refused the key what it asked (a publishable key managing keys, a restricted key
  // granting more than it holds): the client was answered FORBIDDEN, and usage says so.
  if (res.status == 403 && caller.usage_counted_at != 0) {
    ctx_.verifier.CountHandlerRefusal(caller.principal.key, caller.usage_counted_at);
  }
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
    case RouteAuth::kAnySession:
    case RouteAuth::kAnySessionCsrf:
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
    caller.principal.actor.id = deps_.admin_keys.PrefixOf(cred.value);
    return caller;
  }
  // The key's IP allowlist applies to management calls too (API.md 11.5).
  auto identified = ctx_.verifier.IdentifyCaller(
      cred.value, RequestClientAddress(req, ctx_.settings.trusted_proxies));
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
  if (session.info.is_operator()) {
    // An operator acts as an admin; on an account only when the request names it (API.md 16).
    std::string account(req.Header("keyward-account").value_or(""));
    caller.idempotency_scope = "operator:" + session.info.operator_id + ":" + account;
    caller.principal = Principal::Operator(session.info.operator_id, std::move(account));
  } else {
    caller.principal = Principal::Session(session.info.account_id);
    caller.idempotency_scope = session.info.account_id;
  }
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
  const bool by_operator = caller.principal.is_operator();
  if (by_operator && (route.auth == RouteAuth::kSession || route.auth == RouteAuth::kSessionCsrf)) {
    return Refuse(caller,
                  Error(ErrorCode::kForbidden,
                        "Operators have no account of their own; this is a customer's action."),
                  req);
  }
  if (route.auth == RouteAuth::kSessionCsrf || route.auth == RouteAuth::kAnySessionCsrf) {
    return CheckCsrf(req, caller.session_secret);
  }
  if (route.auth != RouteAuth::kManagement && route.auth != RouteAuth::kAdminOnly) {
    return std::nullopt;
  }
  const bool admin_only = route.auth == RouteAuth::kAdminOnly;
  const Principal& who = caller.principal;
  auto account_header = req.Header("keyward-account");
  switch (who.kind) {
    case Principal::Kind::kAdmin:  // an operator's session: API.md 8's CSRF rule for writes
      if (by_operator && !IsSafeMethod(req.method)) return CheckCsrf(req, caller.session_secret);
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
  // The key's limit, then what the route asks of it: the verifier decides (and counts the outcome
  // in usage, API.md 12).
  Verdict verdict = ctx_.verifier.AdmitManagement(
      who.key, ManagementRequest{.admin_only = admin_only,
                                 .account_header = account_header.value_or(""),
                                 .permission = route.permission});
  caller.ratelimit = verdict.ratelimit;
  caller.usage_counted_at = verdict.decided_at;
  if (!verdict.valid()) {
    HttpResponse res = ErrorResponse(Error(*verdict.error, verdict.message), req.request_id);
    AddRefusalHeaders(res, verdict);
    return res;
  }
  return std::nullopt;
}

}  // namespace keyward
