// /v1/tokens — API keys of an account (API.md 2.4) — and /v1/credits. Management routes: the
// checkpoint admitted the caller (admin key, the account's key, or a session).
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"

namespace keyward {
namespace {

std::string IssuedJson(const IssuedToken& issued, int64_t now) {
  boost::json::object o = TokenObject(issued.row, now);
  o["key"] = issued.key;
  return ToJson(o);
}

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

Result<CreateTokenParams> ReadCreateToken(const HttpRequest& req) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return body.error();
  if (Status st = body->OnlyFields(
          {"name", "type", "permissions", "expires_at", "livemode", "metadata", "ip_allowlist"});
      !st.ok()) {
    return st.error();
  }
  CreateTokenParams params;
  auto name = body->RequiredString("name");
  if (!name.ok()) return name.error();
  params.name = std::move(*name);
  auto type = body->String("type");
  if (!type.ok()) return type.error();
  params.type = type->value;
  auto perms = body->StringArray("permissions");
  if (!perms.ok()) return perms.error();
  params.permissions = perms->value;
  auto expires = body->Int("expires_at");
  if (!expires.ok()) return expires.error();
  params.expires_at = expires->value;
  auto livemode = body->Bool("livemode");
  if (!livemode.ok()) return livemode.error();
  params.livemode = livemode->value;
  auto metadata = body->Metadata("metadata");
  if (!metadata.ok()) return metadata.error();
  params.metadata = std::move(metadata->patch);
  auto allowlist = body->StringArray("ip_allowlist");
  if (!allowlist.ok()) return allowlist.error();
  params.ip_allowlist = allowlist->value.value_or(std::vector<std::string>{});
  return params;
}

Result<UpdateTokenParams> ReadUpdateToken(const HttpRequest& req) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return body.error();
  if (Status st =
          body->OnlyFields({"name", "metadata", "expires_at", "ip_allowlist", "permissions"});
      !st.ok()) {
    return st.error();
  }
  UpdateTokenParams params;
  auto name = body->String("name");
  if (!name.ok()) return name.error();
  if (name->is_null()) return InvalidRequest("name must be a string.", "name");
  params.name = name->value;
  auto metadata = body->Metadata("metadata");
  if (!metadata.ok()) return metadata.error();
  params.clear_metadata = metadata->clear;
  params.metadata = std::move(metadata->patch);
  auto expires = body->Int("expires_at");
  if (!expires.ok()) return expires.error();
  params.set_expires_at = expires->present;
  params.expires_at = expires->value;
  auto allowlist = body->StringArray("ip_allowlist");
  if (!allowlist.ok()) return allowlist.error();
  params.set_ip_allowlist = allowlist->present;
  params.ip_allowlist = allowlist->value.value_or(std::vector<std::string>{});
  auto perms = body->StringArray("permissions");
  if (!perms.ok()) return perms.error();
  if (perms->is_null()) {
    return InvalidRequest("permissions must be a non-empty array of strings.", "permissions");
  }
  params.permissions = perms->value;
  return params;
}

}  // namespace

HttpResponse HandleCreateToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams&) {
  auto params = ReadCreateToken(req);
  if (!params.ok()) return Fail(params.error(), req);
  auto issued = ctx.tokens.Create(caller.principal, *params);
  if (!issued.ok()) return Fail(issued.error(), req);
  return JsonResponse(IssuedJson(*issued, ctx.clock.NowUnix()));
}

HttpResponse HandleListTokens(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams&) {
  Query query(req.query);
  auto opts = ParseListOptions(query);
  if (!opts.ok()) return Fail(opts.error(), req);
  TokenFilter filter = TokenFilter::kAll;
  if (auto status = query.Get("status")) {
    if (*status == "active") {
      filter = TokenFilter::kActive;
    } else if (*status == "revoked") {
      filter = TokenFilter::kRevoked;
    } else if (*status == "expired") {
      filter = TokenFilter::kExpired;
    } else if (*status == "disabled") {
      filter = TokenFilter::kDisabled;
    } else {
      return Fail(InvalidRequest("status must be active, disabled, revoked or expired.", "status"),
                  req);
    }
  }
  auto page = ctx.tokens.List(caller.principal, filter, *opts);
  if (!page.ok()) return Fail(page.error(), req);
  const int64_t now = ctx.clock.NowUnix();
  boost::json::array data;
  for (const TokenRow& row : page->items) data.emplace_back(TokenObject(row, now));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetToken(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams& p) {
  auto row = ctx.tokens.Get(caller.principal, p.id);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(TokenObject(*row, ctx.clock.NowUnix())));
}

HttpResponse HandleRevokeToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({}); !st.ok()) return Fail(st.error(), req);
  auto row = ctx.tokens.Revoke(caller.principal, p.id);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(TokenObject(*row, ctx.clock.NowUnix())));
}

HttpResponse HandleRollToken(const HandlerContext& ctx, const Caller& caller,
                             const HttpRequest& req, const PathParams& p) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"expires_in_seconds"}); !st.ok()) return Fail(st.error(), req);
  auto grace = body->Int("expires_in_seconds");
  if (!grace.ok()) return Fail(grace.error(), req);
  auto issued = ctx.tokens.Roll(caller.principal, p.id, grace->value.value_or(0));
  if (!issued.ok()) return Fail(issued.error(), req);
  return JsonResponse(IssuedJson(*issued, ctx.clock.NowUnix()));
}

HttpResponse HandleUpdateToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p) {
  auto params = ReadUpdateToken(req);
  if (!params.ok()) return Fail(params.error(), req);
  auto row = ctx.tokens.Update(caller.principal, p.id, *params);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(TokenObject(*row, ctx.clock.NowUnix())));
}

namespace {

HttpResponse SetTokenDisabled(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p, bool disabled) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({}); !st.ok()) return Fail(st.error(), req);
  auto row = ctx.tokens.SetDisabled(caller.principal, p.id, disabled);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(TokenObject(*row, ctx.clock.NowUnix())));
}

}  // namespace

HttpResponse HandleDisableToken(const HandlerContext& ctx, const Caller& caller,
                                const HttpRequest& req, const PathParams& p) {
  return SetTokenDisabled(ctx, caller, req, p, true);
}

HttpResponse HandleEnableToken(const HandlerContext& ctx, const Caller& caller,
                               const HttpRequest& req, const PathParams& p) {
  return SetTokenDisabled(ctx, caller, req, p, false);
}

// The route declares billing:read, which the checkpoint checked for a key caller.
HttpResponse HandleGetCredits(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams&) {
  const Principal& pr = caller.principal;
  const bool livemode = pr.kind == Principal::Kind::kKey ? pr.key->livemode : true;
  if (pr.kind != Principal::Kind::kKey && pr.account_id.empty()) {
    return Fail(InvalidRequest("Admin keys must name the account in the Keyward-Account header.",
                               "Keyward-Account"),
                req);
  }
  auto account = ctx.accounts.Get(pr.account_id);
  if (!account.ok()) {
    if (account.error().code() == ErrorCode::kNotFound) {
      return Fail(InvalidRequest("No such account.", "Keyward-Account"), req);
    }
    return Fail(account.error(), req);
  }
  boost::json::object o;
  o["object"] = "credits";
  o["balance"] =
      account->credits ? boost::json::value(*account->credits) : boost::json::value(nullptr);
  o["used"] = account->credits_used;
  o["livemode"] = livemode;
  return JsonResponse(ToJson(o));
}

}  // namespace keyward
