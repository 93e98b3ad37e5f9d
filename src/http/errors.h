// Errors to HTTP, in one place (API.md 1.2): the status from the catalogue
// (http/error_catalogue.h), the JSON body with the PUBLIC text only, WWW-Authenticate on 401 and
// Retry-After on 503 UNAVAILABLE (callers add it on 429, where the wait depends on the bucket).
// A 5xx is logged (warning) with the request id, the code and the INTERNAL text — the engine's
// words go to the log and never into a response.
// Pure functions apart from that log line; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "http/http_types.h"

namespace keyward {

// `credential_missing` drops error="invalid_token" from WWW-Authenticate on a 401.
HttpResponse ErrorResponse(const Error& error, std::string_view request_id,
                           bool credential_missing = false);

// The error object alone, for embedding: {"status":..,"code":..,"message":..,...}. Public text
// only; logs nothing.
std::string ErrorJson(const Error& error, std::string_view request_id);

// `text` made safe inside the JSON-lines log's "msg" string: quotes, backslashes and control
// characters escaped, cut at `max_len` bytes.
std::string LogSafeText(std::string_view text, size_t max_len = 512);

}  // namespace keyward
