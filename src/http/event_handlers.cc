// /v1/events — the audit log (API.md 13): the list (newest first; ?type= exact or prefix.*,
// ?created[gte]=, ?created[lt]=, ?account= for admin keys; limit and starting_after as every
// list) and one event. Visibility is EventService's.
#include <charconv>

#include "http/errors.h"
#include "http/handlers.h"
#include "http/query.h"
#include "http/render.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

// ?name=<Unix seconds>, or nullopt when absent.
Result<std::optional<int64_t>> UnixParam(const Query& query, std::string_view name) {
  auto text = query.Get(name);
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || text->empty()) {
    return InvalidRequest(std::string(name) + " must be a Unix time in seconds.",
                          std::string(name));
  }
  return std::optional<int64_t>(value);
}

}  // namespace

boost::json::object EventObject(const EventRow& event) {
  boost::json::object o;
  o["id"] = event.id;
  o["object"] = "event";
  o["type"] = event.type;
  o["created"] = event.created;
  o["account"] =
      event.account_id.empty() ? boost::json::value(nullptr) : boost::json::value(event.account_id);
  o["livemode"] = event.livemode;
  o["request_id"] =
      event.request_id.empty() ? boost::json::value(nullptr) : boost::json::value(event.request_id);
  boost::json::object actor;
  actor["type"] = event.actor.type;
  actor["id"] =
      event.actor.id.empty() ? boost::json::value(nullptr) : boost::json::value(event.actor.id);
  actor["ip"] =
      event.actor.ip.empty() ? boost::json::value(nullptr) : boost::json::value(event.actor.ip);
  o["actor"] = std::move(actor);
  boost::system::error_code ec;
  boost::json::value data = boost::json::parse(event.data, ec);
  o["data"] = ec ? boost::json::value(boost::json::object()) : std::move(data);
  return o;
}

HttpResponse HandleListEvents(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams&) {
  Query query(req.query);
  auto opts = ParseListOptions(query);
  if (!opts.ok()) return Fail(opts.error(), req);
  EventQuery q;
  q.list = *opts;
  q.type = query.Get("type").value_or("");
  q.account = query.Get("account").value_or("");
  auto gte = UnixParam(query, "created[gte]");
  if (!gte.ok()) return Fail(gte.error(), req);
  auto lt = UnixParam(query, "created[lt]");
  if (!lt.ok()) return Fail(lt.error(), req);
  q.created_gte = *gte;
  q.created_lt = *lt;
  auto page = ctx.events.List(caller.principal, q);
  if (!page.ok()) return Fail(page.error(), req);
  boost::json::array data;
  for (const EventRow& row : page->items) data.emplace_back(EventObject(row));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetEvent(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams& p) {
  auto row = ctx.events.Get(caller.principal, p.id);
  if (!row.ok()) return Fail(row.error(), req);
  return JsonResponse(ToJson(EventObject(*row)));
}

}  // namespace keyward
