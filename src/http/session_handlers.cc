// /v1/signup and /v1/session — dashboard sign-up, sign-in, who-am-I and sign-out (API.md 8), for
// customers and operators alike (API.md 16: "kind" says which; an operator's session names the
// operator and has no account). GET and DELETE /v1/session run for a session the checkpoint found
// (DELETE: with X-CSRF-Token). POST /v1/operators/setup spends an operator's set-up link.
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"
#include "http/session_auth.h"

namespace keyward {
namespace {

std::string SessionJson(std::string_view secret, std::string_view account_id,
                        std::string_view email, int64_t expires_at) {
  boost::json::object o;
  o["object"] = "session";
  o["kind"] = "account";
  o["csrf_token"] = SessionService::CsrfToken(secret);
  o["account"] = account_id;
  o["email"] = email;
  o["expires_at"] = expires_at;
  return ToJson(o);
}

std::string OperatorSessionJson(std::string_view secret, const OperatorRow& op,
                                int64_t expires_at) {
  boost::json::object o;
  o["object"] = "session";
  o["kind"] = "operator";
  o["csrf_token"] = SessionService::CsrfToken(secret);
  o["account"] = nullptr;
  o["operator"] = op.id;
  o["email"] = op.email;
  o["expires_at"] = expires_at;
  return ToJson(o);
}

HttpResponse Started(const HandlerContext& ctx, const HttpRequest& req, const SignedIn& in) {
  HttpResponse res =
      JsonResponse(in.op ? OperatorSessionJson(in.secret, *in.op, in.expires_at)
                         : SessionJson(in.secret, in.account.id, in.account.email, in.expires_at));
  const int64_t max_age = in.expires_at - ctx.clock.NowUnix();
  res.Add("Set-Cookie", SessionCookieValue(in.secret, max_age, req.tls));
  res.Add("Cache-Control", "no-store");
  return res;
}

HttpResponse Refused(const Error& error, const HttpRequest& req, int64_t retry_after) {
  HttpResponse res = ErrorResponse(error, req.request_id);
  if (error.code() == ErrorCode::kRateLimited)
    AddRetryAfter(res, std::max<int64_t>(1, retry_after));
  return res;
}

// {"email","password"} (+ "name" when `with_name`).
struct Credentials {
  std::string email, password, name;
};
Result<Credentials> ReadCredentials(const HttpRequest& req, bool with_name) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return body.error();
  Status only = with_name ? body->OnlyFields({"email", "password", "name"})
                          : body->OnlyFields({"email", "password"});
  if (!only.ok()) return only.error();
  Credentials c;
  auto email = body->RequiredString("email");
  if (!email.ok()) return email.error();
  c.email = std::move(*email);
  auto password = body->RequiredString("password");
  if (!password.ok()) return password.error();
  c.password = std::move(*password);
  if (with_name) {
    auto name = body->String("name");
    if (!name.ok()) return name.error();
    c.name = name->value.value_or("");
  }
  return c;
}

}  // namespace

HttpResponse HandleSignUp(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                          const PathParams&) {
  auto creds = ReadCredentials(req, /*with_name=*/true);
  if (!creds.ok()) return ErrorResponse(creds.error(), req.request_id);
  int64_t retry_after = 0;
  auto in = ctx.sessions.SignUp(creds->email, creds->password, creds->name,
                                ClientIp(req, ctx.settings.trusted_proxies), &retry_after,
                                req.request_id);
  if (!in.ok()) return Refused(in.error(), req, retry_after);
  return Started(ctx, req, *in);
}

HttpResponse HandleCreateSession(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                                 const PathParams&) {
  auto creds = ReadCredentials(req, /*with_name=*/false);
  if (!creds.ok()) return ErrorResponse(creds.error(), req.request_id);
  int64_t retry_after = 0;
  auto in = ctx.sessions.SignIn(creds->email, creds->password,
                                ClientIp(req, ctx.settings.trusted_proxies), &retry_after,
                                req.request_id);
  if (!in.ok()) return Refused(in.error(), req, retry_after);
  return Started(ctx, req, *in);
}

HttpResponse HandleGetSession(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams&) {
  if (caller.principal.is_operator()) {
    auto op = ctx.operators.Get(caller.principal.operator_id);
    if (!op.ok()) return ErrorResponse(op.error(), req.request_id);
    if (!*op) {
      return ErrorResponse(Error(ErrorCode::kUnauthorized, "The session has ended. Sign in again."),
                           req.request_id);
    }
    HttpResponse res =
        JsonResponse(OperatorSessionJson(caller.session_secret, **op, caller.session_expires_at));
    res.Add("Cache-Control", "no-store");
    return res;
  }
  auto account = ctx.accounts.Get(caller.principal.account_id);
  if (!account.ok()) return ErrorResponse(account.error(), req.request_id);
  HttpResponse res = JsonResponse(
      SessionJson(caller.session_secret, account->id, account->email, caller.session_expires_at));
  res.Add("Cache-Control", "no-store");
  return res;
}

HttpResponse HandleDeleteSession(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams&) {
  if (Status st = ctx.sessions.SignOut(caller.session_secret); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  HttpResponse res = JsonResponse("{\"object\":\"session\",\"deleted\":true}");
  res.Add("Set-Cookie", ClearedSessionCookieValue(req.tls));
  res.Add("Cache-Control", "no-store");
  return res;
}

HttpResponse HandleOperatorSetup(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                                 const PathParams&) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return ErrorResponse(body.error(), req.request_id);
  if (Status st = body->OnlyFields({"token", "password"}); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  auto token = body->RequiredString("token");
  if (!token.ok()) return ErrorResponse(token.error(), req.request_id);
  auto password = body->RequiredString("password");
  if (!password.ok()) return ErrorResponse(password.error(), req.request_id);
  auto op = ctx.operators.CompleteSetup(*token, *password);
  if (!op.ok()) return ErrorResponse(op.error(), req.request_id);
  auto in = ctx.sessions.StartOperator(std::move(*op));
  if (!in.ok()) return ErrorResponse(in.error(), req.request_id);
  return Started(ctx, req, *in);
}

HttpResponse HandleOperatorSetupPage(const HandlerContext& ctx, const Caller& caller,
                                     const HttpRequest& req, const PathParams&) {
  PathParams page;
  page.id = "setup.html";
  return HandleDashboardAsset(ctx, caller, req, page);
}

}  // namespace keyward
