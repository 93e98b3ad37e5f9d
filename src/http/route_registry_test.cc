// The route registry is the one list of keyward's own paths: every route it serves is refused by
// the proxy's forwarding decision (IsKeywardPath), the subtrees it declares stay keyward's, and
// any other path is forwarded.
#include "http/route_registry.h"

#include <gtest/gtest.h>

#include <string>

#include "http/api.h"

namespace keyward {
namespace {

// A concrete path the pattern matches ("/v1/tokens/:id/roll" → "/v1/tokens/x1/roll").
std::string SamplePath(std::string_view pattern) {
  std::string out(pattern);
  for (size_t pos; (pos = out.find(":id")) != std::string::npos;) out.replace(pos, 3, "x1");
  return out;
}

TEST(RouteRegistry, EveryServedRouteIsKeywardsOwnAndNeverForwarded) {
  ASSERT_FALSE(Api::Routes().empty());
  for (const RouteEntry& r : Api::Routes()) {
    const std::string path = SamplePath(r.pattern);
    PathParams params;
    ASSERT_TRUE(MatchPattern(r.pattern, path, &params)) << r.pattern;
    EXPECT_EQ(IsKeywardPath(path), !r.yields_to_proxy) << r.method << " " << r.pattern;
    if (!r.subtree.empty()) {
      EXPECT_TRUE(IsKeywardPath(std::string(r.subtree) + "/not/a/route")) << r.subtree;
    }
    // The route the path resolves to is this one (or, for a path that several methods share,
    // one serving the same pattern).
    RouteMatch m = FindRoute(r.method == "*" ? "GET" : r.method, path);
    ASSERT_NE(m.entry, nullptr) << r.pattern;
    EXPECT_EQ(m.entry->pattern, r.pattern);
  }
}

TEST(RouteRegistry, OtherPathsAreForwarded) {
  for (const char* p :
       {"/", "/v1/extractions", "/v1/tokensx", "/v1/token/other", "/v1/authx", "/v1/credits/x",
        "/healthz/x", "/dashboardx", "/v2/tokens", "/v1", "/agent-auth/x", "/v1/sessions"}) {
    EXPECT_FALSE(IsKeywardPath(p)) << p;
  }
}

TEST(RouteRegistry, OnlyBlockingPostsHonourIdempotencyKeysAndAdmissionIsDeclared) {
  for (const RouteEntry& r : Api::Routes()) {
    EXPECT_EQ(r.idempotent, r.method == "POST" && r.blocking) << r.method << " " << r.pattern;
    if (r.pattern == "/v1/tokens/import") {  // API.md 11.4: an admin key for an account
      EXPECT_EQ(r.auth, RouteAuth::kAdminOnly);
    } else if (r.pattern.starts_with("/v1/tokens") || r.pattern.starts_with("/v1/token") ||
               r.pattern == "/v1/credits") {
      EXPECT_EQ(r.auth, RouteAuth::kManagement) << r.pattern;
    }
    if (r.pattern.starts_with("/v1/accounts")) {
      EXPECT_EQ(r.auth, RouteAuth::kAdminOnly) << r.pattern;
    }
    if (r.pattern == "/v1/auth") {  // API.md 10: every method; API.md 5: verifier callers only
      EXPECT_EQ(r.method, "*");
      EXPECT_EQ(r.auth, RouteAuth::kVerifierCaller);
    }
  }
}

}  // namespace
}  // namespace keyward
