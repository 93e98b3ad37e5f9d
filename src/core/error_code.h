// The domain's error codes: every refusal or failure keyward can report, with its stable code
// string (API.md 1.2, e.g. "UNAUTHORIZED") and a default public message. No HTTP here: the HTTP
// statuses live at the edge (http/error_catalogue.h), the one place codes map to statuses.
// Thread-safe: immutable data.
#pragma once

#include <cstddef>
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

inline constexpr size_t kErrorCodeCount = static_cast<size_t>(ErrorCode::kUnavailable) + 1;

struct ErrorInfo {
  std::string_view code;     // stable code, e.g. "UNAUTHORIZED"
  std::string_view message;  // default public message; never contains a secret
};

// The catalogue row for `code`.
const ErrorInfo& Describe(ErrorCode code);

// The code whose string is `text` ("RATE_LIMITED" → kRateLimited), or nullopt.
std::optional<ErrorCode> ParseErrorCode(std::string_view text);

}  // namespace keyward
