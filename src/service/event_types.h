// The event types of API.md 13 and the patterns that select them (`?type=` of GET /v1/events and a
// webhook endpoint's enabled_events): an exact known type, "prefix.*" naming a known prefix, or
// "*" (webhooks only). Pure; thread-safe.
#pragma once

#include <span>
#include <string_view>

namespace keyward {

// Every type keyward records, in the order of API.md 13.
std::span<const std::string_view> EventTypes();
bool IsKnownEventType(std::string_view type);
// "token.revoked", "token.*" (a prefix some known type has) or, when `allow_star`, "*".
bool IsValidEventPattern(std::string_view pattern, bool allow_star);
// Whether `type` is selected by `pattern` (a valid one).
bool EventPatternMatches(std::string_view pattern, std::string_view type);

}  // namespace keyward
