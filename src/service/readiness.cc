#include "service/readiness.h"

namespace keyward {

Status ReadinessProbe::Check() const {
  if (!ready()) return Error(ErrorCode::kUnavailable, "The key index is still loading.");
  if (Status st = store_.Ping(); !st.ok()) {
    return Error(ErrorCode::kUnavailable, "The store does not answer: " + st.error().message());
  }
  if (ping_redis_) {
    if (Status st = ping_redis_(); !st.ok()) {
      // The client's reason (refused, timed out, TLS certificate or host name not accepted, AUTH
      // refused): an operator needs it to tell a dead Redis from a misconfigured one. It names
      // the server's address, never a password.
      std::string why = st.error().message();
      constexpr std::string_view kPrefix = "Redis is unavailable: ";
      if (why.starts_with(kPrefix)) why.erase(0, kPrefix.size());
      return Error(ErrorCode::kUnavailable, "Redis does not answer: " + why + ".");
    }
  }
  if (sync_ && !sync_->caught_up()) {
    return Error(ErrorCode::kUnavailable,
                 "The change feed has not caught up yet (" + sync_->why_not_caught_up() + ").");
  }
  return Status::Ok();
}

}  // namespace keyward
