// The catalogue of API.md 1.2 as one table, indexed by ErrorCode.
#include "core/error_code.h"

#include <array>

namespace keyward {
namespace {

constexpr std::array<ErrorInfo, 17> kCatalogue = {{
    {400, "INVALID_REQUEST", "The request is invalid."},
    {401, "UNAUTHORIZED", "A valid API key is required."},
    {403, "TOKEN_EXPIRED", "The access token has expired."},
    {403, "QUOTA_EXCEEDED", "The account does not have enough credits for this request."},
    {403, "FORBIDDEN", "This credential is not allowed to perform this request."},
    {403, "HTTPS_REQUIRED", "This request must be made over HTTPS."},
    {404, "NOT_FOUND", "The requested resource does not exist."},
    {405, "METHOD_NOT_ALLOWED", "The method is not allowed for this path."},
    {409, "IDEMPOTENCY_IN_PROGRESS",
     "A request with the same Idempotency-Key is still being processed."},
    {413, "PAYLOAD_TOO_LARGE", "The request body is too large."},
    {422, "IDEMPOTENCY_KEY_REUSED",
     "The Idempotency-Key was already used with a different request."},
    {429, "RATE_LIMITED", "Too many requests; retry after the time in the Retry-After header."},
    {431, "HEADERS_TOO_LARGE", "The request headers are too large."},
    {502, "BAD_GATEWAY", "The upstream service could not be reached."},
    {504, "GATEWAY_TIMEOUT", "The upstream service did not answer in time."},
    {500, "INTERNAL_ERROR", "An internal error occurred."},
    {503, "UNAVAILABLE", "The service is temporarily unavailable."},
}};

static_assert(static_cast<size_t>(ErrorCode::kUnavailable) + 1 == kCatalogue.size(),
              "one catalogue row per ErrorCode, in enum order");

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
