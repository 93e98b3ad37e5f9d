// GET /v1/usage (API.md 12): usage by bucket as JSON, or as CSV (Accept: text/csv, ?format=csv).
// The checkpoint admitted a secret key, a restricted key with billing:read, a session or an admin
// key; UsageService decides what each may see.
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

Result<std::optional<int64_t>> TimeParam(const Query& q, std::string_view name) {
  auto text = q.Get(name);
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || ptr != text->data() + text->size()) {
    return InvalidRequest(std::string(name) + " must be Unix seconds (an integer).",
                          std::string(name));
  }
  return std::optional<int64_t>(value);
}

Result<UsageQuery> ReadQuery(const Query& q) {
  UsageQuery query;
  if (auto g = q.Get("granularity")) {
    if (*g == "minute") {
      query.granularity = 60;
    } else if (*g == "hour") {
      query.granularity = 3600;
    } else if (*g == "day") {
      query.granularity = 86400;
    } else {
      return InvalidRequest("granularity must be minute, hour or day.", "granularity");
    }
  }
  auto from = TimeParam(q, "from");
  if (!from.ok()) return from.error();
  query.from = *from;
  auto to = TimeParam(q, "to");
  if (!to.ok()) return to.error();
  query.to = *to;
  query.token = q.Get("token").value_or("");
  query.account = q.Get("account").value_or("");
  return query;
}

// ?format=csv|json wins; else Accept naming text/csv.
Result<bool> WantsCsv(const Query& q, const HttpRequest& req) {
  if (auto format = q.Get("format")) {
    if (*format == "csv") return true;
    if (*format == "json") return false;
    return InvalidRequest("format must be json or csv.", "format");
  }
  auto accept = req.Header("accept");
  return accept && accept->find("text/csv") != std::string_view::npos;
}

std::string GranularityName(int64_t g) {
  return g == 60 ? "minute" : g == 3600 ? "hour" : "day";
}

boost::json::object BucketObject(const UsageRow& b) {
  const UsageCounts& c = b.counts;
  return {{"start", b.start},
          {"valid", c.valid},
          {"rate_limited", c.rate_limited},
          {"quota_exceeded", c.quota_exceeded},
          {"forbidden", c.forbidden},
          {"unauthorized", c.unauthorized},
          {"credits", c.credits}};
}

std::string Csv(const UsageSeries& series) {
  std::string out = "start,valid,rate_limited,quota_exceeded,forbidden,unauthorized,credits\n";
  out.reserve(out.size() + series.data.size() * 32);
  for (const UsageRow& b : series.data) {
    const UsageCounts& c = b.counts;
    out.append(std::to_string(b.start));
    for (int64_t v :
         {c.valid, c.rate_limited, c.quota_exceeded, c.forbidden, c.unauthorized, c.credits}) {
      out.push_back(',');
      out.append(std::to_string(v));
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace

HttpResponse HandleGetUsage(const HandlerContext& ctx, const Caller& caller, const HttpRequest& req,
                            const PathParams&) {
  const Query q(req.query);
  auto csv = WantsCsv(q, req);
  if (!csv.ok()) return Fail(csv.error(), req);
  auto query = ReadQuery(q);
  if (!query.ok()) return Fail(query.error(), req);
  auto series = ctx.usage.Read(caller.principal, *query);
  if (!series.ok()) return Fail(series.error(), req);
  if (*csv) {
    HttpResponse res = JsonResponse(Csv(*series));
    res.content_type = "text/csv; charset=utf-8";
    return res;
  }
  boost::json::array data;
  data.reserve(series->data.size());
  for (const UsageRow& b : series->data) data.emplace_back(BucketObject(b));
  boost::json::object o{{"object", "usage"},
                        {"granularity", GranularityName(series->granularity)},
                        {"from", series->from},
                        {"to", series->to},
                        {"data", std::move(data)}};
  return JsonResponse(ToJson(o));
}

}  // namespace keyward
