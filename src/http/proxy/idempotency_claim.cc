#include "http/proxy/idempotency_claim.h"

#include "http/idempotency_gate.h"
#include "http/proxy_internal.h"

namespace keyward {

std::optional<HttpResponse> ClaimIdempotencyKey(IdempotencyService& idempotency,
                                                std::string_view scope, std::string_view key,
                                                const HttpRequest& req, std::string_view body) {
  IdempotencyGate::Entry entry =
      IdempotencyGate(idempotency)
          .Enter(scope, key, IdempotencyService::Fingerprint(req.method, req.target, body),
                 req.request_id);
  if (entry.proceed) return std::nullopt;
  if (entry.replayed) {  // the proxy stores the upstream's content type with the body
    std::string stored = std::move(entry.response.body);
    if (!DecodeStoredResponse(stored, &entry.response.content_type, &entry.response.body)) {
      entry.response.body = std::move(stored);
    }
  }
  return std::move(entry.response);
}

}  // namespace keyward
