// The router (API.md 1.2, 5): unknown paths 404, known paths with the wrong method 405 + Allow,
// the protected API outside keyward's own paths, the dashboard's redirects, and the throttle that
// turns a storm of failed authentications into 429. In process; the integration suite
// (errors_test.cc, dashboard_test.cc, abuse_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

class Routing : public RouteTest {};

TEST_F(Routing, UnknownPath404) {
  for (const char* path : {"/nope", "/v1/extractions", "/v1/tokens/a/b/c", "/v1", "/v2/tokens"}) {
    EXPECT_TRUE(IsError(Get(path, Admin(admin())), 404, "NOT_FOUND")) << path;
  }
  EXPECT_TRUE(IsError(Call("POST", "/v1/nothing/here"), 404, "NOT_FOUND"));
}

TEST_F(Routing, KnownPathWrongMethod405ListsAllowInRegistryOrder) {
  Answer a = Call("PATCH", "/v1/accounts", Admin(admin()));
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST, GET");
  Answer b = Call("DELETE", "/v1/tokens/tok_000000000000000000000000/revoke", Admin(admin()));
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "POST");
}

TEST_F(Routing, AuthAnswersEveryMethodBelowItsPrefix) {
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH"}) {
    Answer a = Call(method, "/v1/auth/anything");
    EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED")) << method;
  }
}

TEST_F(Routing, RootRedirectsToTheDashboard) {
  Answer root = Get("/");
  EXPECT_EQ(root.status(), 302);
  EXPECT_EQ(HeaderOf(root, "Location"), "/dashboard/");
  Answer bare = Get("/dashboard");
  EXPECT_EQ(bare.status(), 301);
  EXPECT_EQ(HeaderOf(bare, "Location"), "/dashboard/");
  Answer page = Get("/dashboard/");
  EXPECT_EQ(page.status(), 200);
  EXPECT_EQ(page.response.content_type, "text/html; charset=utf-8");
}

TEST_F(Routing, ErrorRequestIdIsTheRequests) {
  Answer a = Get("/nope");
  ASSERT_TRUE(IsError(a, 404, "NOT_FOUND"));
  Answer b = Get("/nope");
  EXPECT_NE(a.request_id, b.request_id);
  EXPECT_EQ(Str(BodyOf(b).at("error").at("request_id")), b.request_id);
}

// A small failed-authentication budget, so the throttle is cheap to reach.
EnvOptions TightThrottle() {
  EnvOptions o;
  o.auth_failures_per_minute = 3;
  return o;
}

class RoutingThrottle : public RouteTest {
 protected:
  RoutingThrottle() : RouteTest(TightThrottle()) {}
  Answer From(const std::string& peer, Headers headers) {
    Request r;
    r.target = "/v1/tokens";
    r.headers = std::move(headers);
    r.peer = peer;
    return env_.Call(r);
  }
};

TEST_F(RoutingThrottle, FailedAuthStorm429ButValidKeysKeepWorking) {
  CreatedKey sk = NewSecretKey();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(IsError(From("192.0.2.9", ApiKey("garbage")), 401, "UNAUTHORIZED")) << i;
  }
  Answer throttled = From("192.0.2.9", ApiKey("garbage"));
  EXPECT_TRUE(IsError(throttled, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(throttled, "Retry-After").has_value());
  EXPECT_TRUE(IsOk(From("192.0.2.9", ApiKey(sk.key)))) << "a valid key is never throttled";
  EXPECT_TRUE(IsError(From("192.0.2.10", ApiKey("garbage")), 401, "UNAUTHORIZED"))
      << "another address has its own budget";
}

TEST_F(RoutingThrottle, LoopbackIsNeverThrottled) {
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(IsError(From("127.0.0.1", ApiKey("garbage")), 401, "UNAUTHORIZED")) << i;
  }
}

}  // namespace
}  // namespace keyward::api_test
