#include "service/event_types.h"

#include <algorithm>
#include <array>

namespace keyward {
namespace {

constexpr std::array<std::string_view, 30> kTypes = {
    "account.created",
    "account.updated",
    "account.disabled",
    "account.enabled",
    "credits.topped_up",
    "credits.refilled",
    "credits.low",
    "credits.exhausted",
    "token.created",
    "token.updated",
    "token.rolled",
    "token.revoked",
    "token.disabled",
    "token.enabled",
    "token.expired",
    "token.expiring",
    "token.leaked",
    "token.imported",
    "ratelimit.exceeded",
    "plan.created",
    "plan.updated",
    "webhook_endpoint.created",
    "webhook_endpoint.updated",
    "webhook_endpoint.deleted",
    "webhook_endpoint.disabled",
    "session.created",
    "session.failed",
    "agent_auth.approved",
    "agent_auth.denied",
    "admin_key.created",
};

}  // namespace

std::span<const std::string_view> EventTypes() {
  return kTypes;
}

bool IsKnownEventType(std::string_view type) {
  return std::find(kTypes.begin(), kTypes.end(), type) != kTypes.end();
}

bool IsValidEventPattern(std::string_view pattern, bool allow_star) {
  if (pattern == "*") return allow_star;
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // with its dot
    return std::any_of(kTypes.begin(), kTypes.end(),
                       [&](std::string_view t) { return t.starts_with(prefix); });
  }
  return IsKnownEventType(pattern);
}

bool EventPatternMatches(std::string_view pattern, std::string_view type) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    return type.starts_with(pattern.substr(0, pattern.size() - 1));
  }
  return pattern == type;
}

}  // namespace keyward
