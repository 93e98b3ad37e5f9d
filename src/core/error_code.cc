// The codes of API.md 1.2 as one table, indexed by ErrorCode.
#include "core/error_code.h"

#include <array>

namespace keyward {
namespace {

constexpr std::array<ErrorInfo, kErrorCodeCount> kCatalogue = {{
    {"INVALID_REQUEST", "The request is invalid."},
    {"UNAUTHORIZED", "A valid API key is required."},
    {"TOKEN_EXPIRED", "The access token has expired."},
    {"QUOTA_EXCEEDED", "The account does not have enough credits for this request."},
    {"FORBIDDEN", "This credential is not allowed to perform this request."},
    {"HTTPS_REQUIRED", "This request must be made over HTTPS."},
    {"NOT_FOUND", "The requested resource does not exist."},
    {"METHOD_NOT_ALLOWED", "The method is not allowed for this path."},
    {"IDEMPOTENCY_IN_PROGRESS",
     "A request with the same Idempotency-Key is still being processed."},
    {"PAYLOAD_TOO_LARGE", "The request body is too large."},
    {"IDEMPOTENCY_KEY_REUSED", "The Idempotency-Key was already used with a different request."},
    {"RATE_LIMITED", "Too many requests; retry after the time in the Retry-After header."},
    {"HEADERS_TOO_LARGE", "The request headers are too large."},
    {"BAD_GATEWAY", "The upstream service could not be reached."},
    {"GATEWAY_TIMEOUT", "The upstream service did not answer in time."},
    {"INTERNAL_ERROR", "An internal error occurred."},
    {"UNAVAILABLE", "The service is temporarily unavailable."},
}};

}  // namespace

const ErrorInfo& Describe(ErrorCode code) {
  return kCatalogue[static_cast<size_t>(code)];
}

std::optional<ErrorCode> ParseErrorCode(std::string_view text) {
  for (size_t i = 0; i < kCatalogue.size(); ++i) {
    if (kCatalogue[i].code == text) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

}  // namespace keyward
