// keyward's route registry: every route it serves, with its admission declared (route.h), and the
// lookups over it — the route a request names (404 / 405 with Allow), and whether a path is
// keyward's own or, in proxy mode, the protected API's (forwarded). The proxy's decision is derived
// from this table only, so a route is never both served and forwarded, nor forwarded by omission.
// Pure functions over constant data; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "http/route.h"

namespace keyward {

std::span<const RouteEntry> RouteRegistry();

struct RouteMatch {
  const RouteEntry* entry = nullptr;  // null: 404 (unknown path) or 405 (path_known)
  bool path_known = false;
  std::string allow;  // the methods the path serves, for a 405's Allow header
  PathParams params;
};

// The route serving `method` on `path` ("/v1/auth" and below: the any-method verification route).
RouteMatch FindRoute(std::string_view method, std::string_view path);

// Does `pattern` match `path` (segment by segment, ":id" capturing one non-empty segment)?
bool MatchPattern(std::string_view pattern, std::string_view path, PathParams* params);

// Is `path` keyward's own (API.md 5): matched by a route, or at or below a route's subtree? Routes
// that yield to the proxy ("/") do not count: in proxy mode their path is forwarded.
bool IsKeywardPath(std::string_view path);

}  // namespace keyward
