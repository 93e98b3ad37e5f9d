// /v1/token and /v1/token/verify — short-lived access tokens for frontends (API.md 3). Management
// routes: the checkpoint admitted the caller.
#include "core/iso_time.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

}  // namespace

HttpResponse HandleMintAccessToken(const HandlerContext& ctx, const Caller& caller,
                                   const HttpRequest& req, const PathParams&) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"expiry_minutes", "parent"}); !st.ok()) {
    return Fail(st.error(), req);
  }
  // A dashboard session has no key of its own: it names the parent key (docs/api.md).
  auto parent = body->String("parent");
  if (!parent.ok()) return Fail(parent.error(), req);
  const bool session = caller.principal.kind == Principal::Kind::kSession;
  if (parent->present && !session) {
    return Fail(InvalidRequest("parent is only for dashboard sessions; a key mints its "
                               "own access tokens.",
                               "parent"),
                req);
  }
  if (session && !parent->value) {
    return Fail(
        InvalidRequest("A dashboard session must name the parent key (a tok_ id).", "parent"), req);
  }
  auto minutes = body->Int("expiry_minutes");
  if (!minutes.ok()) return Fail(minutes.error(), req);
  if (minutes->is_null()) {
    return Fail(InvalidRequest("expiry_minutes must be an integer from 1 to 60.", "expiry_minutes"),
                req);
  }
  const int64_t expiry = minutes->value.value_or(60);
  auto issued = session ? ctx.tokens.MintAccessTokenFor(caller.principal, *parent->value, expiry)
                        : ctx.tokens.MintAccessToken(caller.principal, expiry);
  if (!issued.ok()) return Fail(issued.error(), req);
  boost::json::object o;
  o["object"] = "access_token";
  o["access_token"] = issued->token;
  o["expires_at"] = FormatIsoUtc(issued->expires_at);
  return JsonResponse(ToJson(o));
}

HttpResponse HandleCheckAccessToken(const HandlerContext& ctx, const Caller& caller,
                                    const HttpRequest& req, const PathParams&) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"access_token"}); !st.ok()) {
    return Fail(st.error(), req);
  }
  auto token = body->RequiredString("access_token");
  if (!token.ok()) return Fail(token.error(), req);
  auto expires = ctx.tokens.CheckAccessToken(caller.principal, *token);
  if (!expires.ok()) return Fail(expires.error(), req);
  if (!*expires) return JsonResponse("{\"valid\":false}");
  boost::json::object o;
  o["valid"] = true;
  o["expires_at"] = FormatIsoUtc(**expires);
  return JsonResponse(ToJson(o));
}

}  // namespace keyward
