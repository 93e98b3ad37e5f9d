#include "core/error_code.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/status.h"

namespace keyward {
namespace {

TEST(ErrorCode, CatalogueMatchesApiTable) {
  const struct {
    ErrorCode code;
    int status;
    std::string_view text;
  } rows[] = {
      {ErrorCode::kInvalidRequest, 400, "INVALID_REQUEST"},
      {ErrorCode::kUnauthorized, 401, "UNAUTHORIZED"},
      {ErrorCode::kTokenExpired, 403, "TOKEN_EXPIRED"},
      {ErrorCode::kQuotaExceeded, 403, "QUOTA_EXCEEDED"},
      {ErrorCode::kForbidden, 403, "FORBIDDEN"},
      {ErrorCode::kHttpsRequired, 403, "HTTPS_REQUIRED"},
      {ErrorCode::kNotFound, 404, "NOT_FOUND"},
      {ErrorCode::kMethodNotAllowed, 405, "METHOD_NOT_ALLOWED"},
      {ErrorCode::kIdempotencyInProgress, 409, "IDEMPOTENCY_IN_PROGRESS"},
      {ErrorCode::kPayloadTooLarge, 413, "PAYLOAD_TOO_LARGE"},
      {ErrorCode::kIdempotencyKeyReused, 422, "IDEMPOTENCY_KEY_REUSED"},
      {ErrorCode::kRateLimited, 429, "RATE_LIMITED"},
      {ErrorCode::kHeadersTooLarge, 431, "HEADERS_TOO_LARGE"},
      {ErrorCode::kBadGateway, 502, "BAD_GATEWAY"},
      {ErrorCode::kGatewayTimeout, 504, "GATEWAY_TIMEOUT"},
      {ErrorCode::kInternalError, 500, "INTERNAL_ERROR"},
      {ErrorCode::kUnavailable, 503, "UNAVAILABLE"},
  };
  std::set<std::string_view> codes;
  for (const auto& r : rows) {
    const ErrorInfo& info = Describe(r.code);
    (void)r.status;  // the statuses are checked at the HTTP edge (http/error_catalogue_test.cc)
    EXPECT_EQ(info.code, r.text);
    EXPECT_FALSE(info.message.empty()) << r.text;
    EXPECT_TRUE(info.message.back() == '.') << r.text;
    EXPECT_EQ(ParseErrorCode(r.text), r.code) << r.text;
    EXPECT_TRUE(codes.insert(info.code).second);
  }
  EXPECT_EQ(codes.size(), static_cast<size_t>(ErrorCode::kUnavailable) + 1);
}

TEST(ErrorCode, EveryEnumValueRoundTrips) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kUnavailable); ++i) {
    const auto code = static_cast<ErrorCode>(i);
    EXPECT_EQ(ParseErrorCode(Describe(code).code), code);
  }
}

TEST(ErrorCode, ParseRejectsUnknown) {
  for (const char* text : {"", "unauthorized", "Unauthorized", "UNAUTHORIZED ", "VALID",
                           "RATE_LIMIT", "NOT FOUND", "404"}) {
    EXPECT_FALSE(ParseErrorCode(text)) << text;
  }
}

TEST(Status, ErrorsCarryCatalogueDefaults) {
  const Error e(ErrorCode::kRateLimited);
  EXPECT_EQ(e.message(), Describe(ErrorCode::kRateLimited).message);
  EXPECT_TRUE(e.param().empty());
  const Error bad = InvalidRequest("name is required", "name");
  EXPECT_EQ(bad.param(), "name");
  const Status ok = Status::Ok();
  EXPECT_TRUE(ok.ok());
  const Status failed = Error(ErrorCode::kUnavailable);
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kUnavailable);
  const Result<int> value = 5;
  EXPECT_TRUE(value.ok());
  EXPECT_EQ(value.value(), 5);
  const Result<int> error = Error(ErrorCode::kNotFound);
  EXPECT_FALSE(error.ok());
  EXPECT_EQ(error.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace keyward
