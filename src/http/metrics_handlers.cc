// GET /metrics: Prometheus text exposition (format 0.0.4) of keyward's counters and gauges.
// Answers the same callers as the verification endpoints (verifier.allow_from, or an admin key
// in Keyward-Admin-Key); anyone else gets 404, as there.
#include <string>

#include "http/errors.h"
#include "http/handlers.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

void Metric(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

HttpResponse HandleMetrics(Api& api, const HttpRequest& req, const PathParams&) {
  if (!IsVerifierCaller(api, req)) {
    return ErrorResponse(Error(ErrorCode::kNotFound, "No such path."), req.request_id);
  }
  Services& sv = api.services();
  std::string out;
  out.reserve(2048);

  Metric(out, "keyward_verifications_total", "counter",
         "Verification decisions (GET /v1/auth, POST /v1/keys/verify, proxied requests) by "
         "outcome: VALID or the error code.");
  const OutcomeCounters& outcomes = sv.verifier().outcomes();
  for (size_t slot = 0; slot < OutcomeCounters::kSlots; ++slot) {
    out.append("keyward_verifications_total{outcome=\"")
        .append(OutcomeCounters::Name(slot))
        .append("\"} ")
        .append(std::to_string(outcomes.TotalOfSlot(slot)))
        .append("\n");
  }

  Metric(out, "keyward_index_credentials", "gauge",
         "Credentials (API keys and access tokens) held in the in-memory index.");
  out.append("keyward_index_credentials ").append(std::to_string(sv.index().size())).append("\n");

  Metric(out, "keyward_ready", "gauge", "1 once the index is loaded, else 0.");
  out.append("keyward_ready ").append(sv.ready() ? "1" : "0").append("\n");

  HttpResponse res;
  res.content_type = "text/plain; version=0.0.4; charset=utf-8";
  res.body = std::move(out);
  return res;
}

}  // namespace keyward
