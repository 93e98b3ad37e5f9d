// GET /metrics: Prometheus text exposition (format 0.0.4) of keyward's counters and gauges.
// Answers the same callers as the verification endpoints (verifier.allow_from, or an admin key
// in Keyward-Admin-Key; the route declares it and the checkpoint answers 404 to anyone else).
#include <string>

#include "http/handlers.h"

namespace keyward {
namespace {

void Metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

HttpResponse HandleMetrics(const HandlerContext& ctx, const Caller&, const HttpRequest&,
                           const PathParams&) {
  std::string out;
  out.reserve(2048);

  Metric(out, "keyward_verifications_total", "counter",
         "Verification decisions (GET /v1/auth, POST /v1/keys/verify, proxied requests) by "
         "outcome: VALID or the error code.");
  const OutcomeCounters& outcomes = ctx.verifier.outcomes();
  for (size_t slot = 0; slot < OutcomeCounters::kSlots; ++slot) {
    out.append("keyward_verifications_total{outcome=\"")
        .append(OutcomeCounters::Name(slot))
        .append("\"} ")
        .append(std::to_string(outcomes.TotalOfSlot(slot)))
        .append("\n");
  }

  Metric(out, "keyward_index_credentials", "gauge",
         "Credentials (API keys and access tokens) held in the in-memory index.");
  out.append("keyward_index_credentials ").append(std::to_string(ctx.index.size())).append("\n");

  Metric(out, "keyward_verifier_store_lookups_total", "counter",
         "Credential lookups that reached the store: neither in the index nor remembered as "
         "unknown by the negative cache.");
  out.append("keyward_verifier_store_lookups_total ")
      .append(std::to_string(ctx.verifier.store_lookups()))
      .append("\n");

  Metric(out, "keyward_ready", "gauge", "1 once the index is loaded, else 0.");
  out.append("keyward_ready ").append(ctx.readiness.ready() ? "1" : "0").append("\n");

  HttpResponse res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(out);
  return res;
}

}  // namespace keyward
