#include "http/proxy/idempotency_claim.h"

#include "http/errors.h"
#include "http/proxy_internal.h"

namespace keyward {

std::optional<HttpResponse> ClaimIdempotencyKey(IdempotencyService& idempotency,
                                                std::string_view scope, std::string_view key,
                                                const HttpRequest& req, std::string_view body) {
  const Digest fingerprint = IdempotencyService::Fingerprint(req.method, req.target, body);
  auto start = idempotency.Begin(scope, key, fingerprint);
  if (!start.ok()) return ErrorResponse(start.error(), req.request_id);
  switch (start->outcome) {
    case IdempotencyOutcome::kMismatch:
      return ErrorResponse(Error(ErrorCode::kIdempotencyKeyReused,
                                 "This Idempotency-Key was used with a different request."),
                           req.request_id);
    case IdempotencyOutcome::kInProgress:
      return ErrorResponse(Error(ErrorCode::kIdempotencyInProgress,
                                 "A request with this Idempotency-Key is still running."),
                           req.request_id);
    case IdempotencyOutcome::kReplay: {
      HttpResponse res;
      res.status = start->status;
      if (!DecodeStoredResponse(start->body, &res.content_type, &res.body)) {
        res.body = std::move(start->body);
      }
      res.Add("Idempotent-Replayed", "true");
      return res;
    }
    case IdempotencyOutcome::kProceed:
      break;
  }
  return std::nullopt;
}

}  // namespace keyward
