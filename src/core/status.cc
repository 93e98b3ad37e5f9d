// See status.h.
#include "core/status.h"

namespace keyward {

Error Error::Unavailable(std::string internal, std::string message) {
  if (message.empty()) message = std::string(Describe(ErrorCode::kUnavailable).message);
  return Error(ErrorCode::kUnavailable, std::move(message)).WithInternal(std::move(internal));
}

Error Error::Internal(std::string internal, std::string message) {
  if (message.empty()) message = std::string(Describe(ErrorCode::kInternalError).message);
  return Error(ErrorCode::kInternalError, std::move(message)).WithInternal(std::move(internal));
}

std::string Error::ForLog() const {
  const Rep& r = rep();
  if (r.internal.empty()) return r.message;
  return r.message + " (" + r.internal + ")";
}

const Error::Rep& Error::rep() const {
  // A moved-from Error reads as a generic internal error rather than crashing.
  static const Rep kMovedFrom{
      ErrorCode::kInternalError, std::string(Describe(ErrorCode::kInternalError).message), {}, {}};
  return rep_ ? *rep_ : kMovedFrom;
}

}  // namespace keyward
