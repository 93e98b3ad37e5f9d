// The HTTP side of the error catalogue (API.md 1.2): the status each domain ErrorCode answers
// with, and how long a client should wait before retrying a 503. The only place codes map to
// HTTP statuses. Thread-safe: immutable data.
#pragma once

#include <cstdint>

#include "core/error_code.h"

namespace keyward {

// The HTTP status for `code`, e.g. 401 for kUnauthorized.
int HttpStatus(ErrorCode code);

// Retry-After (seconds) sent with every 503 UNAVAILABLE: the store or Redis cannot serve this now
// (unreachable, restarting, locked, full, read-only) and may well be able to a moment later.
inline constexpr int64_t kUnavailableRetryAfterSeconds = 1;

}  // namespace keyward
