// /v1/webhook_endpoints — webhook endpoints and their deliveries log (API.md 14). Who may own
// what, validation and the SSRF checks are WebhookService's; the secret appears only in the
// answers of create and roll_secret (and never in a stored Idempotency-Key replay).
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"
#include "service/webhook_service.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

Result<WebhookEndpointParams> ReadParams(const HttpRequest& req, bool create) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/!create);
  if (!body.ok()) return body.error();
  Status only = create ? body->OnlyFields({"url", "enabled_events", "description", "account"})
                       : body->OnlyFields({"url", "enabled_events", "description", "status"});
  if (!only.ok()) return only.error();
  WebhookEndpointParams p;
  auto url = body->String("url");
  if (!url.ok()) return url.error();
  if (url->is_null()) return InvalidRequest("url must be a string.", "url");
  p.url = url->value;
  auto events = body->StringArray("enabled_events");
  if (!events.ok()) return events.error();
  if (events->is_null()) {
    return InvalidRequest("enabled_events must be a list of event types.", "enabled_events");
  }
  p.enabled_events = events->value;
  auto description = body->String("description");
  if (!description.ok()) return description.error();
  p.description = description->is_null() ? std::optional<std::string>("") : description->value;
  if (create) {
    auto account = body->String("account");
    if (!account.ok()) return account.error();
    p.account = account->value;
  } else {
    auto status = body->String("status");
    if (!status.ok()) return status.error();
    if (status->is_null()) return InvalidRequest("status must be enabled or disabled.", "status");
    p.status = status->value;
  }
  return p;
}

std::string WithSecret(const CreatedEndpoint& created) {
  boost::json::object o = WebhookEndpointObject(created.row);
  o["secret"] = created.secret;
  return ToJson(o);
}

}  // namespace

HttpResponse HandleCreateWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams&) {
  auto params = ReadParams(req, /*create=*/true);
  if (!params.ok()) return Fail(params.error(), req);
  auto created = ctx.webhooks.Create(caller.principal, *params);
  if (!created.ok()) return Fail(created.error(), req);
  HttpResponse res = JsonResponse(WithSecret(*created));
  res.Add("Cache-Control", "no-store");
  return res;
}

HttpResponse HandleListWebhookEndpoints(const HandlerContext& ctx, const Caller& caller,
                                        const HttpRequest& req, const PathParams&) {
  auto opts = ParseListOptions(Query(req.query));
  if (!opts.ok()) return Fail(opts.error(), req);
  auto page = ctx.webhooks.List(caller.principal, *opts);
  if (!page.ok()) return Fail(page.error(), req);
  boost::json::array data;
  for (const WebhookEndpointRow& row : page->items) data.emplace_back(WebhookEndpointObject(row));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                      const HttpRequest& req, const PathParams& p) {
  auto row = ctx.webhooks.Get(caller.principal, p.id);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(WebhookEndpointObject(*row)));
}

HttpResponse HandleUpdateWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p) {
  auto params = ReadParams(req, /*create=*/false);
  if (!params.ok()) return Fail(params.error(), req);
  auto row = ctx.webhooks.Update(caller.principal, p.id, *params);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(WebhookEndpointObject(*row)));
}

HttpResponse HandleDeleteWebhookEndpoint(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p) {
  auto row = ctx.webhooks.Delete(caller.principal, p.id);
  if (!row.ok()) return Fail(row.error(), req);
  boost::json::object o;
  o["id"] = row->id;
  o["object"] = "webhook_endpoint";
  o["deleted"] = true;
  return JsonResponse(ToJson(o));
}

HttpResponse HandleRollWebhookSecret(const HandlerContext& ctx, const Caller& caller,
                                     const HttpRequest& req, const PathParams& p) {
  auto body = JsonBody::Parse(req.body);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({}); !st.ok()) return Fail(st.error(), req);
  auto rolled = ctx.webhooks.RollSecret(caller.principal, p.id);
  if (!rolled.ok()) return Fail(rolled.error(), req);
  HttpResponse res = JsonResponse(WithSecret(*rolled));
  res.Add("Cache-Control", "no-store");
  return res;
}

HttpResponse HandleListWebhookDeliveries(const HandlerContext& ctx, const Caller& caller,
                                         const HttpRequest& req, const PathParams& p) {
  auto opts = ParseListOptions(Query(req.query));
  if (!opts.ok()) return Fail(opts.error(), req);
  auto page = ctx.webhooks.Deliveries(caller.principal, p.id, *opts);
  if (!page.ok()) return Fail(page.error(), req);
  boost::json::array data;
  for (const WebhookDeliveryRow& row : page->items) data.emplace_back(WebhookDeliveryObject(row));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

}  // namespace keyward
