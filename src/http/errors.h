// Errors to HTTP, in one place (API.md 1.2): the JSON body, WWW-Authenticate on 401 and
// Retry-After on 429. Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "core/status.h"
#include "http/http_types.h"

namespace keyward {

// `credential_missing` drops error="invalid_token" from WWW-Authenticate on a 401.
HttpResponse ErrorResponse(const Error& error, std::string_view request_id,
                           bool credential_missing = false);

// The error object alone, for embedding: {"status":..,"code":..,"message":..,...}.
std::string ErrorJson(const Error& error, std::string_view request_id);

}  // namespace keyward
