// See error_catalogue.h: one row per ErrorCode, in enum order.
#include "http/error_catalogue.h"

#include <array>

namespace keyward {
namespace {

constexpr std::array<int, kErrorCodeCount> kStatus = {
    400,  // kInvalidRequest
    401,  // kUnauthorized
    403,  // kTokenExpired
    403,  // kQuotaExceeded
    403,  // kForbidden
    403,  // kHttpsRequired
    404,  // kNotFound
    405,  // kMethodNotAllowed
    409,  // kIdempotencyInProgress
    413,  // kPayloadTooLarge
    422,  // kIdempotencyKeyReused
    429,  // kRateLimited
    431,  // kHeadersTooLarge
    502,  // kBadGateway
    504,  // kGatewayTimeout
    500,  // kInternalError
    503,  // kUnavailable
};

static_assert(kStatus[static_cast<size_t>(ErrorCode::kUnavailable)] == 503 &&
                  kStatus[static_cast<size_t>(ErrorCode::kInternalError)] == 500 &&
                  kStatus[static_cast<size_t>(ErrorCode::kInvalidRequest)] == 400,
              "one status per ErrorCode, in enum order");

}  // namespace

int HttpStatus(ErrorCode code) {
  return kStatus[static_cast<size_t>(code)];
}

}  // namespace keyward
