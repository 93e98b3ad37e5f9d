// Permission strings of API.md 2.3: "resource:action" with resource [a-z0-9_.-]+ and action
// [a-z0-9_.*-]+, or "*" alone. "resource:*" grants every action on the resource; "*" grants
// everything. A '*' inside a longer action (e.g. "tokens:re*") is a literal character, not a glob.
// Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace keyward {

inline constexpr size_t kMaxPermissionLength = 128;
inline constexpr size_t kMaxPermissionsPerKey = 100;

bool IsValidPermission(std::string_view p);

// Does holding `held` allow an action needing `needed`? Both must be valid permissions.
bool Grants(std::string_view held, std::string_view needed);

// Does any of `held` grant `needed`? An empty `needed` (no permission required) is always granted.
bool AnyGrants(std::span<const std::string> held, std::string_view needed);

// May a restricted key holding `held` create a key with `wanted`? (No escalation, API.md 2.4.)
// A concrete permission needs AnyGrants; "res:*" needs "res:*" or "*" held; "*" needs "*" held.
bool CanDelegate(std::span<const std::string> held, std::string_view wanted);

}  // namespace keyward
