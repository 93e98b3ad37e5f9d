#include "core/route_table.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(RoutePathMatches, Exact) {
  EXPECT_TRUE(RoutePathMatches("/v1/parse", "/v1/parse"));
  EXPECT_FALSE(RoutePathMatches("/v1/parse", "/v1/parse/"));
  EXPECT_FALSE(RoutePathMatches("/v1/parse", "/v1/pars"));
  EXPECT_FALSE(RoutePathMatches("/v1/parse", "/v1/parsex"));
  EXPECT_FALSE(RoutePathMatches("/v1/parse", "/V1/parse"));
  EXPECT_FALSE(RoutePathMatches("/v1/parse", ""));
  EXPECT_TRUE(RoutePathMatches("/", "/"));
  EXPECT_FALSE(RoutePathMatches("/", "/x"));
}

TEST(RoutePathMatches, Prefix) {
  EXPECT_TRUE(RoutePathMatches("/x/*", "/x/"));
  EXPECT_TRUE(RoutePathMatches("/x/*", "/x/y"));
  EXPECT_TRUE(RoutePathMatches("/x/*", "/x/y/z"));
  EXPECT_TRUE(RoutePathMatches("/x/*", "/x//"));
  EXPECT_FALSE(RoutePathMatches("/x/*", "/x"));
  EXPECT_FALSE(RoutePathMatches("/x/*", "/xy"));
  EXPECT_FALSE(RoutePathMatches("/x/*", "/xy/z"));
  EXPECT_FALSE(RoutePathMatches("/x/*", "/"));
  EXPECT_FALSE(RoutePathMatches("/x/*", "/y/x/"));
  EXPECT_TRUE(RoutePathMatches("/v1/files/*", "/v1/files/abc.pdf"));
  EXPECT_FALSE(RoutePathMatches("/v1/files/*", "/v1/files"));
  EXPECT_TRUE(RoutePathMatches("/*", "/"));
  EXPECT_TRUE(RoutePathMatches("/*", "/anything/at/all"));
  EXPECT_FALSE(RoutePathMatches("/*", ""));
}

RouteRule Rule(std::string method, std::string path, std::string permission = {}) {
  RouteRule r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.permission = std::move(permission);
  return r;
}

TEST(RouteTable, FirstMatchWins) {
  const RouteTable table({
      Rule("POST", "/v1/extractions", "extractions:write"),
      Rule("*", "/v1/extractions", "extractions:read"),
      Rule("GET", "/v1/files/*", "files:read"),
      Rule("*", "/v1/files/special", "never:reached"),
      Rule("*", "/*", "catch:all"),
  });
  ASSERT_EQ(table.rules().size(), 5u);
  auto perm = [&](std::string_view m, std::string_view p) -> std::string {
    const RouteRule* r = table.Match(m, p);
    return r ? r->permission : "<none>";
  };
  EXPECT_EQ(perm("POST", "/v1/extractions"), "extractions:write");
  EXPECT_EQ(perm("GET", "/v1/extractions"), "extractions:read");
  EXPECT_EQ(perm("DELETE", "/v1/extractions"), "extractions:read");
  EXPECT_EQ(perm("GET", "/v1/files/special"), "files:read");
  EXPECT_EQ(perm("PUT", "/v1/files/special"), "never:reached");
  EXPECT_EQ(perm("GET", "/v1/files"), "catch:all");
  EXPECT_EQ(perm("post", "/v1/extractions"), "extractions:read");  // methods are case-sensitive
  EXPECT_EQ(perm("GET", "/other"), "catch:all");
  EXPECT_EQ(table.Match("GET", "/v1/files/a"), &table.rules()[2]);
}

TEST(RouteTable, NoMatch) {
  const RouteTable empty;
  EXPECT_EQ(empty.Match("GET", "/"), nullptr);
  const RouteTable table({Rule("POST", "/a"), Rule("GET", "/b/*")});
  EXPECT_EQ(table.Match("GET", "/a"), nullptr);
  EXPECT_EQ(table.Match("POST", "/b/x"), nullptr);
  EXPECT_EQ(table.Match("GET", "/b"), nullptr);
  EXPECT_EQ(table.Match("GET", "/c"), nullptr);
}

TEST(ValidateRouteRule, Accepts) {
  EXPECT_TRUE(ValidateRouteRule(Rule("*", "/")).ok());
  EXPECT_TRUE(ValidateRouteRule(Rule("POST", "/v1/extractions", "extractions:write")).ok());
  EXPECT_TRUE(ValidateRouteRule(Rule("GET", "/v1/files/*", "*")).ok());
  EXPECT_TRUE(ValidateRouteRule(Rule("PROPFIND", "/*")).ok());
  RouteRule r = Rule("GET", "/x");
  r.cost = 0;
  r.rate_limit = RateSpec{.limit = 20, .window_seconds = 60};
  r.publishable = true;
  r.sandbox_response = "sandbox/x.json";
  EXPECT_TRUE(ValidateRouteRule(r).ok());
  r.cost = 1000;
  EXPECT_TRUE(ValidateRouteRule(r).ok());
}

TEST(ValidateRouteRule, Rejects) {
  struct Case {
    RouteRule rule;
    const char* param;
  };
  RouteRule negative_cost = Rule("GET", "/x");
  negative_cost.cost = -1;
  RouteRule zero_limit = Rule("GET", "/x");
  zero_limit.rate_limit = RateSpec{.limit = 0, .window_seconds = 60};
  const Case cases[] = {
      {Rule("", "/x"), "method"},
      {Rule("get", "/x"), "method"},
      {Rule("GET ", "/x"), "method"},
      {Rule("G-T", "/x"), "method"},
      {Rule("**", "/x"), "method"},
      {Rule("GET", ""), "path"},
      {Rule("GET", "x"), "path"},
      {Rule("GET", "*"), "path"},
      {Rule("GET", "/x?y=1"), "path"},
      {Rule("GET", "/x#frag"), "path"},
      {Rule("GET", "/x y"), "path"},
      {Rule("GET", "/x/*/y"), "path"},
      {Rule("GET", "/x*"), "path"},
      {Rule("GET", "/x/**"), "path"},
      {Rule("GET", "/x\n"), "path"},
      {Rule("GET", "/x", "bad"), "permission"},
      {Rule("GET", "/x", "Tokens:read"), "permission"},
      {negative_cost, "cost"},
      {zero_limit, "rate_limit"},
  };
  for (const Case& c : cases) {
    const Status s = ValidateRouteRule(c.rule);
    ASSERT_FALSE(s.ok()) << c.rule.method << " " << c.rule.path;
    EXPECT_EQ(s.error().code(), ErrorCode::kInvalidRequest);
    EXPECT_EQ(s.error().param(), c.param) << c.rule.method << " " << c.rule.path;
    EXPECT_FALSE(s.error().message().empty());
  }
}

}  // namespace
}  // namespace keyward
