// The error catalogue of API.md 1.2: every refusal keyward can give, with its HTTP status, its
// stable code string and a public message. This table is the one place codes map to statuses.
// Thread-safe: immutable data.
#pragma once

#include <optional>
#include <string_view>

namespace keyward {

enum class ErrorCode {
  kInvalidRequest,
  kUnauthorized,
  kTokenExpired,
  kQuotaExceeded,
  kForbidden,
  kHttpsRequired,
  kNotFound,
  kMethodNotAllowed,
  kIdempotencyInProgress,
  kPayloadTooLarge,
  kIdempotencyKeyReused,
  kRateLimited,
  kHeadersTooLarge,
  kBadGateway,
  kGatewayTimeout,
  kInternalError,
  kUnavailable,
};

struct ErrorInfo {
  int status;                    // HTTP status, e.g. 401
  std::string_view code;         // stable code, e.g. "UNAUTHORIZED"
  std::string_view message;      // default public message; never contains a secret
};

// The catalogue row for `code`.
const ErrorInfo& Describe(ErrorCode code);

// The code whose string is `text` ("RATE_LIMITED" → kRateLimited), or nullopt.
std::optional<ErrorCode> ParseErrorCode(std::string_view text);

}  // namespace keyward
