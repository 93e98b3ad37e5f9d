// /v1/tokens — API keys of an account (API.md 2.4).
#include "core/permissions.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

std::string IssuedJson(const IssuedToken& issued, int64_t now) {
  boost::json::object o = TokenObject(issued.row, now);
  o["key"] = issued.key;
  return ToJson(o);
}

}  // namespace

HttpResponse HandleCreateToken(Api& api, const HttpRequest& req, const PathParams&) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);

  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return CallerError(caller, body.error(), req);
  if (Status st = body->OnlyFields({"name", "type", "permissions", "expires_at", "livemode"});
      !st.ok()) {
    return CallerError(caller, st.error(), req);
  }
  CreateTokenParams params;
  auto name = body->RequiredString("name");
  if (!name.ok()) return CallerError(caller, name.error(), req);
  params.name = std::move(*name);
  auto type = body->String("type");
  if (!type.ok()) return CallerError(caller, type.error(), req);
  params.type = type->value;
  auto perms = body->StringArray("permissions");
  if (!perms.ok()) return CallerError(caller, perms.error(), req);
  params.permissions = perms->value;
  auto expires = body->Int("expires_at");
  if (!expires.ok()) return CallerError(caller, expires.error(), req);
  params.expires_at = expires->value;
  auto livemode = body->Bool("livemode");
  if (!livemode.ok()) return CallerError(caller, livemode.error(), req);
  params.livemode = livemode->value;

  Services& sv = api.services();
  auto issued = sv.tokens().Create(caller.principal, params);
  if (!issued.ok()) return CallerError(caller, issued.error(), req);
  return CallerJson(caller, IssuedJson(*issued, sv.clock().NowUnix()));
}

HttpResponse HandleListTokens(Api& api, const HttpRequest& req, const PathParams&) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);

  Query query(req.query);
  auto opts = ParseListOptions(query);
  if (!opts.ok()) return CallerError(caller, opts.error(), req);
  TokenFilter filter = TokenFilter::kAll;
  if (auto status = query.Get("status")) {
    if (*status == "active") {
      filter = TokenFilter::kActive;
    } else if (*status == "revoked") {
      filter = TokenFilter::kRevoked;
    } else if (*status == "expired") {
      filter = TokenFilter::kExpired;
    } else {
      return CallerError(caller, InvalidRequest("status must be active, revoked or expired.",
                                                "status"),
                         req);
    }
  }
  Services& sv = api.services();
  auto page = sv.tokens().List(caller.principal, filter, *opts);
  if (!page.ok()) return CallerError(caller, page.error(), req);
  const int64_t now = sv.clock().NowUnix();
  boost::json::array data;
  for (const TokenRow& row : page->items) data.emplace_back(TokenObject(row, now));
  return CallerJson(caller, ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetToken(Api& api, const HttpRequest& req, const PathParams& p) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);
  Services& sv = api.services();
  auto row = sv.tokens().Get(caller.principal, p.id);
  if (!row.ok()) return CallerError(caller, row.error(), req);
  return CallerJson(caller, ToJson(TokenObject(*row, sv.clock().NowUnix())));
}

HttpResponse HandleRevokeToken(Api& api, const HttpRequest& req, const PathParams& p) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return CallerError(caller, body.error(), req);
  if (Status st = body->OnlyFields({}); !st.ok()) return CallerError(caller, st.error(), req);
  Services& sv = api.services();
  auto row = sv.tokens().Revoke(caller.principal, p.id);
  if (!row.ok()) return CallerError(caller, row.error(), req);
  return CallerJson(caller, ToJson(TokenObject(*row, sv.clock().NowUnix())));
}

HttpResponse HandleRollToken(Api& api, const HttpRequest& req, const PathParams& p) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return CallerError(caller, body.error(), req);
  if (Status st = body->OnlyFields({"expires_in_seconds"}); !st.ok()) {
    return CallerError(caller, st.error(), req);
  }
  auto grace = body->Int("expires_in_seconds");
  if (!grace.ok()) return CallerError(caller, grace.error(), req);
  Services& sv = api.services();
  auto issued = sv.tokens().Roll(caller.principal, p.id, grace->value.value_or(0));
  if (!issued.ok()) return CallerError(caller, issued.error(), req);
  return CallerJson(caller, IssuedJson(*issued, sv.clock().NowUnix()));
}

HttpResponse HandleGetCredits(Api& api, const HttpRequest& req, const PathParams&) {
  auto who = AuthenticateManagement(api, req, false);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  const Caller& caller = std::get<Caller>(who);
  const Principal& pr = caller.principal;
  bool livemode = true;
  if (pr.kind == Principal::Kind::kKey) {
    const KeyRecord& key = *pr.key;
    livemode = key.livemode;
    bool allowed = key.kind == CredentialKind::kApiKey &&
                   (key.type == KeyType::kSecret ||
                    (key.type == KeyType::kRestricted &&
                     AnyGrants(key.permissions, "billing:read")));
    if (!allowed) {
      return CallerError(caller, Error(ErrorCode::kForbidden, "This key may not read billing."),
                         req);
    }
  } else if (pr.account_id.empty()) {
    return CallerError(caller,
                       InvalidRequest("Admin keys must name the account in the Keyward-Account "
                                      "header.",
                                      "Keyward-Account"),
                       req);
  }
  auto account = api.services().accounts().Get(pr.account_id);
  if (!account.ok()) {
    if (account.error().code() == ErrorCode::kNotFound) {
      return CallerError(caller, InvalidRequest("No such account.", "Keyward-Account"), req);
    }
    return CallerError(caller, account.error(), req);
  }
  boost::json::object o;
  o["object"] = "credits";
  o["balance"] = account->credits ? boost::json::value(*account->credits)
                                  : boost::json::value(nullptr);
  o["used"] = account->credits_used;
  o["livemode"] = livemode;
  return CallerJson(caller, ToJson(o));
}

}  // namespace keyward
