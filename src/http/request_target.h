// The one normalisation of "which request is this?" that proxy mode and GET /v1/auth share
// (API.md 5, 10), so that a request cannot match the operator's routes one way when keyward
// forwards it and another way when a gateway (nginx, Caddy, Traefik, Envoy) asks about it.
//
// - CheckTarget refuses what an upstream could resolve to a path other than the one keyward
//   checked: a target that is not origin-form, dot segments (plain or percent-encoded), encoded
//   slashes and backslashes, and malformed percent-encoding.
// - MatchPath is the path routes are matched against: the query stripped, runs of '/' collapsed,
//   and percent-encoded characters that may appear in a route pattern decoded ("%65" → "e"), the
//   rest upper-cased ("%c3" → "%C3") — what an upstream that decodes its path before routing
//   sees. The target forwarded upstream is left as sent: an upstream that does not decode sees a
//   different (unrouted) path, never a less protected one.
// - MatchMethod is the method routes are matched against: upper-cased ("post" is checked as
//   "POST"), so that an upstream that is lenient about case cannot reach a route keyward did not
//   check.
// Pure functions; thread-safe. No heap allocation unless the input needs rewriting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keyward {

// Why `target` (path and optional query) may not be checked or forwarded, or nullopt.
std::optional<std::string> CheckTarget(std::string_view target);

// The path to match for a target that passed CheckTarget. A view of `target` when nothing changes,
// else of `*scratch` (which must outlive the view).
std::string_view MatchPath(std::string_view target, std::string* scratch);

// Is `method` an HTTP method token (RFC 9110 5.6.2 tchar, 1..32 characters)?
bool IsMethodToken(std::string_view method);

// The method to match: upper-cased. A view of `method` when it already is, else of `*scratch`.
std::string_view MatchMethod(std::string_view method, std::string* scratch);

}  // namespace keyward
