// The proxy's Idempotency-Key claim for a forwarded POST whose body has been read (API.md 1.4):
// either the key is claimed and the request goes on, or the answer is already known (the stored
// response replayed with Idempotent-Replayed: true, 422 for a key used with another request, 409
// while the first one runs, or the store's error). Thread-safe as IdempotencyService is.
#pragma once

#include <optional>
#include <string_view>

#include "http/http_types.h"
#include "service/idempotency.h"

namespace keyward {

// nullopt: claimed (the caller must Complete or Release it); else the answer, without rate-limit
// fields.
std::optional<HttpResponse> ClaimIdempotencyKey(IdempotencyService& idempotency,
                                                std::string_view scope, std::string_view key,
                                                const HttpRequest& req, std::string_view body);

}  // namespace keyward
