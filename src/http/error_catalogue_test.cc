#include "http/error_catalogue.h"

#include <gtest/gtest.h>

#include <string_view>

#include "core/status.h"

namespace keyward {
namespace {

// The status column of API.md 1.2 (moved here from core/error_code_test.cc with the table).
TEST(ErrorCatalogue, StatusesMatchApiTable) {
  const struct {
    ErrorCode code;
    int status;
  } rows[] = {
      {ErrorCode::kInvalidRequest, 400},
      {ErrorCode::kUnauthorized, 401},
      {ErrorCode::kTokenExpired, 403},
      {ErrorCode::kQuotaExceeded, 403},
      {ErrorCode::kForbidden, 403},
      {ErrorCode::kHttpsRequired, 403},
      {ErrorCode::kNotFound, 404},
      {ErrorCode::kMethodNotAllowed, 405},
      {ErrorCode::kIdempotencyInProgress, 409},
      {ErrorCode::kPayloadTooLarge, 413},
      {ErrorCode::kIdempotencyKeyReused, 422},
      {ErrorCode::kRateLimited, 429},
      {ErrorCode::kHeadersTooLarge, 431},
      {ErrorCode::kBadGateway, 502},
      {ErrorCode::kGatewayTimeout, 504},
      {ErrorCode::kInternalError, 500},
      {ErrorCode::kUnavailable, 503},
  };
  static_assert(std::size(rows) == kErrorCodeCount);
  for (const auto& r : rows) EXPECT_EQ(HttpStatus(r.code), r.status) << Describe(r.code).code;
  EXPECT_EQ(HttpStatus(Error(ErrorCode::kRateLimited).code()), 429);
  EXPECT_EQ(HttpStatus(InvalidRequest("name is required", "name").code()), 400);
}

}  // namespace
}  // namespace keyward
