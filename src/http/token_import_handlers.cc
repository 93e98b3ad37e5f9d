// POST /v1/tokens/import — keys from another system (API.md 11.4, 11.5). An admin-only management
// route: the checkpoint admitted an admin key or an operator's session; Keyward-Account names the
// account. The body's plaintext keys are hashed by the service and never echoed, logged or stored.
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"

namespace keyward {
namespace {

// `e` with its param placed under keys[i].
Error UnderKey(size_t i, const Error& e) {
  std::string param = "keys[" + std::to_string(i) + "]";
  if (!e.param().empty()) param += "." + e.param();
  return Error(e.code(), e.message(), std::move(param));
}

Status ReadKey(const JsonBody& body, ImportKeyParams* out) {
  if (Status st =
          body.OnlyFields({"sha256", "key", "name", "type", "permissions", "livemode", "expires_at",
                           "metadata", "ip_allowlist", "key_prefix", "last4"});
      !st.ok()) {
    return st;
  }
  auto sha256 = body.String("sha256");
  if (!sha256.ok()) return sha256.error();
  out->sha256 = sha256->value;
  auto key = body.String("key");
  if (!key.ok()) return key.error();
  out->key = key->value;
  auto name = body.RequiredString("name");
  if (!name.ok()) return name.error();
  out->name = std::move(*name);
  auto type = body.String("type");
  if (!type.ok()) return type.error();
  out->type = type->value;
  auto perms = body.StringArray("permissions");
  if (!perms.ok()) return perms.error();
  out->permissions = perms->value;
  auto livemode = body.Bool("livemode");
  if (!livemode.ok()) return livemode.error();
  out->livemode = livemode->value;
  auto expires = body.Int("expires_at");
  if (!expires.ok()) return expires.error();
  out->expires_at = expires->value;
  auto metadata = body.Metadata("metadata");
  if (!metadata.ok()) return metadata.error();
  out->metadata = std::move(metadata->patch);
  auto allowlist = body.StringArray("ip_allowlist");
  if (!allowlist.ok()) return allowlist.error();
  out->ip_allowlist = allowlist->value.value_or(std::vector<std::string>{});
  auto prefix = body.String("key_prefix");
  if (!prefix.ok()) return prefix.error();
  out->key_prefix = prefix->value;
  auto last4 = body.String("last4");
  if (!last4.ok()) return last4.error();
  out->last4 = last4->value;
  return Status::Ok();
}

Result<std::vector<ImportKeyParams>> ReadImport(const HttpRequest& req) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return body.error();
  if (Status st = body->OnlyFields({"keys"}); !st.ok()) return st.error();
  auto keys = body->RequiredObjectArray("keys");
  if (!keys.ok()) return keys.error();
  if (keys->empty() || keys->size() > kMaxImportKeys) {
    return InvalidRequest("keys must hold 1 to 1000 keys.", "keys");
  }
  std::vector<ImportKeyParams> out(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) {
    if (Status st = ReadKey((*keys)[i], &out[i]); !st.ok()) return UnderKey(i, st.error());
  }
  return out;
}

}  // namespace

HttpResponse HandleImportTokens(const HandlerContext& ctx, const Caller& caller,
                                const HttpRequest& req, const PathParams&) {
  auto params = ReadImport(req);
  if (!params.ok()) return ErrorResponse(params.error(), req.request_id);
  auto rows = ctx.tokens.Import(caller.principal, *params);
  if (!rows.ok()) return ErrorResponse(rows.error(), req.request_id);
  const int64_t now = ctx.clock.NowUnix();
  boost::json::array data;
  for (const TokenRow& row : *rows) data.emplace_back(TokenObject(row, now));
  return JsonResponse(ListJson(std::move(data), false));
}

}  // namespace keyward
