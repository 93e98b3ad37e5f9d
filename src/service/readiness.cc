#include "service/readiness.h"

namespace keyward {

Status ReadinessProbe::Check() const {
  if (!ready()) return Error(ErrorCode::kUnavailable, "The key index is still loading.");
  if (Status st = store_.Ping(); !st.ok()) {
    return Error(ErrorCode::kUnavailable, "The store does not answer: " + st.error().message());
  }
  if (ping_redis_) {
    if (Status st = ping_redis_(); !st.ok()) {
      return Error(ErrorCode::kUnavailable, "Redis does not answer.");
    }
  }
  if (sync_ && !sync_->caught_up()) {
    return Error(ErrorCode::kUnavailable,
                 "The change feed has not caught up yet (" + sync_->why_not_caught_up() + ").");
  }
  return Status::Ok();
}

}  // namespace keyward
