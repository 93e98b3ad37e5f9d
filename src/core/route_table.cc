// Route rules and first-match lookup. See route_table.h.
#include "core/route_table.h"

#include <utility>

#include "core/permissions.h"

namespace keyward {
namespace {

constexpr std::string_view kAnyMethod = "*";
constexpr std::string_view kPrefixSuffix = "/*";

bool IsMethodToken(std::string_view m) {
  if (m.empty() || m.size() > 32) return false;
  for (char c : m) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

// A path a request line could carry: printable ASCII without space, '?' or '#'. A '*' may appear
// only as the final "/*" of a prefix pattern.
Status ValidatePattern(std::string_view path) {
  if (path.empty() || path.front() != '/') {
    return InvalidRequest("route path \"" + std::string(path) + "\" must start with '/'", "path");
  }
  const bool prefix = path.ends_with(kPrefixSuffix);
  const std::string_view body = prefix ? path.substr(0, path.size() - 1) : path;
  for (char c : body) {
    if (c <= ' ' || c > '~' || c == '?' || c == '#' || c == '*') {
      return InvalidRequest("route path \"" + std::string(path) +
                                "\" may contain '*' only as a final \"/*\" and no query, "
                                "fragment, space or control character",
                            "path");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRouteRule(const RouteRule& rule) {
  if (rule.method != kAnyMethod && !IsMethodToken(rule.method)) {
    return InvalidRequest("route method \"" + rule.method + "\" must be \"*\" or uppercase letters",
                          "method");
  }
  if (Status s = ValidatePattern(rule.path); !s.ok()) return s;
  if (!rule.permission.empty() && !IsValidPermission(rule.permission)) {
    return InvalidRequest(
        "route permission \"" + rule.permission + "\" must be \"resource:action\" or \"*\"",
        "permission");
  }
  if (rule.cost < 0) return InvalidRequest("route cost must be >= 0", "cost");
  if (rule.rate_limit && (rule.rate_limit->limit < 1 || rule.rate_limit->window_seconds < 1)) {
    return InvalidRequest("route rate_limit must allow at least 1 request per window",
                          "rate_limit");
  }
  return Status::Ok();
}

RouteTable::RouteTable(std::vector<RouteRule> rules) : rules_(std::move(rules)) {}

const RouteRule* RouteTable::Match(std::string_view method, std::string_view path) const {
  for (const RouteRule& rule : rules_) {
    if ((rule.method == kAnyMethod || rule.method == method) && RoutePathMatches(rule.path, path)) {
      return &rule;
    }
  }
  return nullptr;
}

bool RoutePathMatches(std::string_view pattern, std::string_view path) {
  if (pattern.ends_with(kPrefixSuffix)) {
    return path.starts_with(pattern.substr(0, pattern.size() - 1));  // keeps the '/'
  }
  return pattern == path;
}

}  // namespace keyward
