// /v1/token and /v1/token/verify — short-lived access tokens for frontends (API.md 3).
#include "core/iso_time.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"
#include "http/request_auth.h"

namespace keyward {

HttpResponse HandleMintAccessToken(Api& api, const HttpRequest& req, const PathParams&) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);

  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return CallerError(caller, body.error(), req);
  if (Status st = body->OnlyFields({"expiry_minutes", "parent"}); !st.ok()) {
    return CallerError(caller, st.error(), req);
  }
  // A dashboard session has no key of its own: it names the parent key (docs/api.md).
  auto parent = body->String("parent");
  if (!parent.ok()) return CallerError(caller, parent.error(), req);
  const bool session = caller.principal.kind == Principal::Kind::kSession;
  if (parent->present && !session) {
    return CallerError(caller,
                       InvalidRequest("parent is only for dashboard sessions; a key mints its "
                                      "own access tokens.",
                                      "parent"),
                       req);
  }
  if (session && !parent->value) {
    return CallerError(
        caller,
        InvalidRequest("A dashboard session must name the parent key (a tok_ id).", "parent"), req);
  }
  auto minutes = body->Int("expiry_minutes");
  if (!minutes.ok()) return CallerError(caller, minutes.error(), req);
  if (minutes->is_null()) {
    return CallerError(caller, InvalidRequest("expiry_minutes must be an integer from 1 to 60.",
                                              "expiry_minutes"),
                       req);
  }
  const int64_t expiry = minutes->value.value_or(60);
  auto issued =
      session ? api.services().tokens().MintAccessTokenFor(caller.principal, *parent->value, expiry)
              : api.services().tokens().MintAccessToken(caller.principal, expiry);
  if (!issued.ok()) return CallerError(caller, issued.error(), req);
  boost::json::object o;
  o["object"] = "access_token";
  o["access_token"] = issued->token;
  o["expires_at"] = FormatIsoUtc(issued->expires_at);
  return CallerJson(caller, ToJson(o));
}

HttpResponse HandleCheckAccessToken(Api& api, const HttpRequest& req, const PathParams&) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);

  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return CallerError(caller, body.error(), req);
  if (Status st = body->OnlyFields({"access_token"}); !st.ok()) {
    return CallerError(caller, st.error(), req);
  }
  auto token = body->RequiredString("access_token");
  if (!token.ok()) return CallerError(caller, token.error(), req);
  auto expires = api.services().tokens().CheckAccessToken(caller.principal, *token);
  if (!expires.ok()) return CallerError(caller, expires.error(), req);
  if (!*expires) return CallerJson(caller, "{\"valid\":false}");
  boost::json::object o;
  o["valid"] = true;
  o["expires_at"] = FormatIsoUtc(**expires);
  return CallerJson(caller, ToJson(o));
}

}  // namespace keyward
