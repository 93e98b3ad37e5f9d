// Permission grammar and matching of API.md 2.3 with plain character checks (no std::regex).
#include "core/permissions.h"

namespace keyward {
namespace {

constexpr std::string_view kEverything = "*";

bool IsResourceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool IsActionChar(char c) {
  return IsResourceChar(c) || c == '*';
}

// "res:*" for a valid permission whose action is exactly "*".
bool IsResourceWildcard(std::string_view p) {
  return p.size() > 2 && p.ends_with(":*");
}

// The resource part of a valid "resource:action" permission.
std::string_view ResourceOf(std::string_view p) {
  return p.substr(0, p.find(':'));
}

}  // namespace

bool IsValidPermission(std::string_view p) {
  if (p == kEverything) return true;
  if (p.size() > kMaxPermissionLength) return false;
  const size_t colon = p.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == p.size()) return false;
  for (char c : p.substr(0, colon)) {
    if (!IsResourceChar(c)) return false;
  }
  for (char c : p.substr(colon + 1)) {
    if (!IsActionChar(c)) return false;  // a second ':' fails here too
  }
  return true;
}

bool Grants(std::string_view held, std::string_view needed) {
  if (!IsValidPermission(held) || !IsValidPermission(needed)) return false;
  if (held == kEverything || held == needed) return true;
  if (needed == kEverything) return false;
  return IsResourceWildcard(held) && ResourceOf(held) == ResourceOf(needed);
}

bool AnyGrants(std::span<const std::string> held, std::string_view needed) {
  if (needed.empty()) return true;
  for (const std::string& h : held) {
    if (Grants(h, needed)) return true;
  }
  return false;
}

bool CanDelegate(std::span<const std::string> held, std::string_view wanted) {
  if (!IsValidPermission(wanted)) return false;
  auto holds = [&](std::string_view p) {
    for (const std::string& h : held) {
      if (h == p) return true;
    }
    return false;
  };
  if (wanted == kEverything) return holds(kEverything);
  if (IsResourceWildcard(wanted)) return holds(kEverything) || holds(wanted);
  return AnyGrants(held, wanted);
}

}  // namespace keyward
