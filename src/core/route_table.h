// The operator's protected routes (API.md 4, config [[route]]). First match wins.
// A rule's method is an HTTP method ("POST") or "*" for any; its path is exact ("/v1/parse") or a
// prefix ending in "/*" ("/v1/files/*" matches "/v1/files/" and below, not "/v1/files").
// The path given to Match must not contain the query string. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rate_spec.h"
#include "core/status.h"

namespace keyward {

struct RouteRule {
  std::string method = "*";
  std::string path;
  std::string permission;          // empty: no permission needed
  int64_t cost = 0;                // credits charged per request
  std::optional<RateSpec> rate_limit;
  bool publishable = false;        // may publishable keys call it?
  std::string sandbox_response;    // file path, or empty
};

// Checks one rule: a path that starts with '/', a valid permission (if any), cost >= 0,
// method "*" or uppercase letters.
Status ValidateRouteRule(const RouteRule& rule);

class RouteTable {
 public:
  RouteTable() = default;
  explicit RouteTable(std::vector<RouteRule> rules);
  // The first rule that matches, or nullptr.
  const RouteRule* Match(std::string_view method, std::string_view path) const;
  const std::vector<RouteRule>& rules() const { return rules_; }

 private:
  std::vector<RouteRule> rules_;
};

// Does `pattern` (exact or "/prefix/*") match `path`?
bool RoutePathMatches(std::string_view pattern, std::string_view path);

}  // namespace keyward
