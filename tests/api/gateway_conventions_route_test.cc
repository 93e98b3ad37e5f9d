// The forward-auth conventions of /v1/auth (API.md 10), in process: which original method and URI
// are checked (X-Original-*, then X-Forwarded-*, then the request's own method and the path after
// /v1/auth), from which callers, normalised as proxy mode normalises (request_target.h), with the
// route's permission, limit and cost and the sandbox's per-IP limit applied whichever convention
// asked. tests/integration/caddy_test.cc runs the same through a real Caddy.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

// POST /v1/extractions: extractions:write, 2 credits, 3/min per key. GET /v1/public/*: open.
EnvOptions WithRoutes(bool loopback_verifier = true) {
  EnvOptions o;
  o.loopback_only_verifier = loopback_verifier;
  RouteRule extractions;
  extractions.method = "POST";
  extractions.path = "/v1/extractions";
  extractions.permission = "extractions:write";
  extractions.cost = 2;
  extractions.rate_limit = RateSpec{3, 60};
  RouteRule open;
  open.method = "GET";
  open.path = "/v1/public/*";
  open.publishable = true;
  o.service.routes = RouteTable({extractions, open});
  return o;
}

// How a gateway names the original request.
enum class Convention { kNginx, kCaddy, kEnvoy };

const char* Name(Convention c) {
  switch (c) {
    case Convention::kNginx:
      return "X-Original-Method/-URI";
    case Convention::kCaddy:
      return "X-Forwarded-Method/-Uri";
    case Convention::kEnvoy:
      return "own method + path after /v1/auth";
  }
  return "?";
}

class GatewayConventions : public RouteTest {
 protected:
  explicit GatewayConventions(EnvOptions options = WithRoutes()) : RouteTest(std::move(options)) {}
  void SetUp() override {
    account_ = NewAccount({{"credits", 100}});
    without_ = NewKey(AdminFor(admin(), account_),
                      {{"type", "restricted"}, {"permissions", {"reports:read"}}});
    with_ = NewKey(AdminFor(admin(), account_),
                   {{"type", "restricted"}, {"permissions", {"extractions:write"}}});
  }

  // Asks /v1/auth about `method uri` the way gateway `c` does (nginx and Caddy send a GET).
  Answer Ask(Convention c, const Headers& cred, const std::string& method, const std::string& uri,
             Headers extra = {}) {
    switch (c) {
      case Convention::kNginx:
        return Call(
            "GET", "/v1/auth",
            Join(Join(cred, {{"X-Original-Method", method}, {"X-Original-URI", uri}}), extra));
      case Convention::kCaddy:
        return Call(
            "GET", "/v1/auth",
            Join(Join(cred, {{"X-Forwarded-Method", method}, {"X-Forwarded-Uri", uri}}), extra));
      case Convention::kEnvoy:
        return Call(method, "/v1/auth" + uri, Join(cred, extra));
    }
    return {};
  }

  int64_t Balance() {
    Answer a = Get("/v1/credits", AdminFor(admin(), account_));
    return BodyOf(a).at("balance").as_int64();
  }

  static constexpr Convention kAll[] = {Convention::kNginx, Convention::kCaddy, Convention::kEnvoy};
  std::string account_;
  CreatedKey without_;
  CreatedKey with_;
};

TEST_F(GatewayConventions, Auth403WithoutTheRoutesPermissionAnd200WithItInEveryConvention) {
  for (Convention c : kAll) {
    Answer refused = Ask(c, ApiKey(without_.key), "POST", "/v1/extractions");
    EXPECT_TRUE(IsError(refused, 403, "FORBIDDEN")) << Name(c) << " " << Describe(refused);
    EXPECT_TRUE(HasRateLimitHeaders(refused)) << Name(c);
    EXPECT_EQ(HeaderOf(refused, "X-Keyward-Error"), refused.response.body) << Name(c);
    // The same path with another method is not the protected route.
    EXPECT_EQ(Ask(c, ApiKey(without_.key), "GET", "/v1/extractions").status(), 200) << Name(c);
  }
  for (Convention c : kAll) {
    Answer a = Ask(c, ApiKey(with_.key), "POST", "/v1/extractions");
    ASSERT_EQ(a.status(), 200) << Name(c) << " " << Describe(a);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Token-Id"), with_.id);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Permissions"), "extractions:write");
  }
}

TEST_F(GatewayConventions, Auth200ChargesTheRoutesCostAnd429OnceTheRouteLimitIsSpent) {
  // 3/min on the route, whichever convention asks: the three share the key's route bucket.
  const int64_t before = Balance();
  for (Convention c : kAll) {
    Answer a = Ask(c, Bearer(with_.key), "POST", "/v1/extractions?page=2");
    ASSERT_EQ(a.status(), 200) << Name(c) << " " << Describe(a);
    EXPECT_EQ(HeaderOf(a, "X-RateLimit-Limit"), "3") << Name(c);
  }
  EXPECT_EQ(Balance(), before - 6);
  for (Convention c : kAll) {
    Answer limited = Ask(c, Bearer(with_.key), "POST", "/v1/extractions");
    EXPECT_TRUE(IsError(limited, 429, "RATE_LIMITED")) << Name(c) << " " << Describe(limited);
    EXPECT_TRUE(HeaderOf(limited, "Retry-After").has_value()) << Name(c);
    EXPECT_EQ(HeaderOf(limited, "X-RateLimit-Remaining"), "0") << Name(c);
  }
  EXPECT_EQ(Balance(), before - 6);  // refusals are never charged
  // Another route is not limited by this one.
  EXPECT_EQ(Ask(Convention::kCaddy, Bearer(with_.key), "GET", "/v1/public/x").status(), 200);
}

TEST_F(GatewayConventions, Auth403QuotaExceededWhenTheBalanceIsBelowTheCost) {
  const std::string poor = NewAccount({{"credits", 1}});
  CreatedKey key = NewKey(AdminFor(admin(), poor));
  for (Convention c : kAll) {
    EXPECT_TRUE(IsError(Ask(c, ApiKey(key.key), "POST", "/v1/extractions"), 403, "QUOTA_EXCEEDED"))
        << Name(c);
  }
}

TEST_F(GatewayConventions, XOriginalHeadersComeBeforeXForwardedOnesAndThoseBeforeTheOwnRequest) {
  // nginx's pair wins over Caddy's.
  EXPECT_EQ(Call("GET", "/v1/auth",
                 Join(ApiKey(without_.key), {{"X-Original-Method", "GET"},
                                             {"X-Original-URI", "/v1/extractions"},
                                             {"X-Forwarded-Method", "POST"},
                                             {"X-Forwarded-Uri", "/v1/extractions"}}))
                .status(),
            200);
  EXPECT_TRUE(IsError(Call("GET", "/v1/auth",
                           Join(ApiKey(without_.key), {{"X-Original-Method", "POST"},
                                                       {"X-Original-URI", "/v1/extractions"},
                                                       {"X-Forwarded-Method", "GET"},
                                                       {"X-Forwarded-Uri", "/v1/public/x"}})),
                      403, "FORBIDDEN"));
  // Caddy's pair wins over the request's own method and path.
  EXPECT_TRUE(IsError(Call("GET", "/v1/auth/v1/public/x",
                           Join(ApiKey(without_.key), {{"X-Forwarded-Method", "POST"},
                                                       {"X-Forwarded-Uri", "/v1/extractions"}})),
                      403, "FORBIDDEN"));
  // Each of method and URI comes from the first convention that carries it.
  EXPECT_TRUE(IsError(
      Call("POST", "/v1/auth", Join(ApiKey(without_.key), {{"X-Original-URI", "/v1/extractions"}})),
      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Call("GET", "/v1/auth",
                           Join(ApiKey(without_.key), {{"X-Forwarded-Method", "POST"},
                                                       {"X-Original-URI", "/v1/extractions"}})),
                      403, "FORBIDDEN"));
  // Nothing at all: GET / is what is checked.
  EXPECT_EQ(Call("POST", "/v1/auth", ApiKey(without_.key)).status(), 200);
}

TEST_F(GatewayConventions, TheQueryStringIsNeverPartOfTheMatchedPath) {
  for (Convention c : kAll) {
    for (const char* uri : {"/v1/extractions?x=1", "/v1/extractions?", "/v1/extractions?a=/v1/p"}) {
      EXPECT_TRUE(IsError(Ask(c, ApiKey(without_.key), "POST", uri), 403, "FORBIDDEN"))
          << Name(c) << " " << uri;
    }
  }
  // A query on /v1/auth itself (Envoy path_prefix with no path) is the root.
  EXPECT_EQ(Call("POST", "/v1/auth?x=/v1/extractions", ApiKey(without_.key)).status(), 200);
}

TEST_F(GatewayConventions, EveryMethodIsAcceptedOnAuthAndBelow) {
  for (const char* method : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    for (const char* target : {"/v1/auth", "/v1/auth/", "/v1/auth/v1/anything/deep"}) {
      Answer a = Call(method, target, ApiKey(with_.key));
      EXPECT_EQ(a.status(), 200) << method << " " << target << " " << Describe(a);
    }
  }
}

TEST_F(GatewayConventions, PathsAreNormalisedAsProxyModeNormalisesThem) {
  for (Convention c : kAll) {
    for (const char* uri : {"/v1/%65xtractions", "/v1/%65%78tractions?q=1", "//v1//extractions"}) {
      EXPECT_TRUE(IsError(Ask(c, ApiKey(without_.key), "POST", uri), 403, "FORBIDDEN"))
          << Name(c) << " " << uri;
    }
    // An upstream lenient about the method's case cannot reach the route unchecked.
    if (c != Convention::kEnvoy) {
      EXPECT_TRUE(
          IsError(Ask(c, ApiKey(without_.key), "post", "/v1/extractions"), 403, "FORBIDDEN"))
          << Name(c);
    }
    // What an upstream could resolve past the checked route is refused, not guessed at.
    for (const char* uri : {"/v1/public/../extractions", "/v1/public/%2e%2e/extractions",
                            "/v1/public%2f..%2fextractions", "/v1/x%zz"}) {
      Answer a = Ask(c, ApiKey(with_.key), "POST", uri);
      EXPECT_TRUE(IsError(a, 400, "INVALID_REQUEST")) << Name(c) << " " << uri << Describe(a);
      EXPECT_EQ(HeaderOf(a, "X-Keyward-Error"), a.response.body);
    }
  }
  for (const char* uri : {"", "v1/extractions", "http://api.example/v1/extractions"}) {
    EXPECT_TRUE(
        IsError(Ask(Convention::kCaddy, ApiKey(with_.key), "POST", uri), 400, "INVALID_REQUEST"))
        << uri;
  }
  EXPECT_TRUE(IsError(Ask(Convention::kCaddy, ApiKey(with_.key), "PO ST", "/v1/extractions"), 400,
                      "INVALID_REQUEST"));
  // POST /v1/keys/verify matches the same way.
  Answer v = Post("/v1/keys/verify",
                  object{{"key", without_.key}, {"method", "post"}, {"path", "/v1/%65xtractions"}});
  EXPECT_EQ(BodyOf(v).at("code"), "FORBIDDEN") << Describe(v);
  EXPECT_TRUE(IsError(
      Post("/v1/keys/verify", object{{"key", without_.key}, {"path", "/v1/public/../extractions"}}),
      400, "INVALID_REQUEST", "path"));
}

TEST_F(GatewayConventions, Auth404ForCallersThatMayNotAskWhateverTheyClaim) {
  for (Convention c : kAll) {
    Request r;
    r.method = c == Convention::kEnvoy ? "POST" : "GET";
    r.target = c == Convention::kEnvoy ? "/v1/auth/v1/extractions" : "/v1/auth";
    r.headers = ApiKey(with_.key);
    if (c == Convention::kNginx) {
      r.headers = Join(r.headers, {{"X-Original-Method", "POST"}, {"X-Original-URI", "/v1/x"}});
    } else if (c == Convention::kCaddy) {
      r.headers = Join(r.headers, {{"X-Forwarded-Method", "POST"}, {"X-Forwarded-Uri", "/v1/x"}});
    }
    r.peer = "203.0.113.7";
    EXPECT_TRUE(IsError(env_.Call(r), 404, "NOT_FOUND")) << Name(c);
  }
}

TEST_F(GatewayConventions, AnAdminKeyCallerElsewhereIsHonouredButItsXForwardedForIsNot) {
  Request r;
  r.target = "/v1/auth";
  r.peer = "203.0.113.7";
  r.headers = Join(ApiKey(without_.key), {{"Keyward-Admin-Key", admin()},
                                          {"X-Forwarded-Method", "POST"},
                                          {"X-Forwarded-Uri", "/v1/extractions"}});
  EXPECT_TRUE(IsError(env_.Call(r), 403, "FORBIDDEN"));
  // The sandbox's per-IP limit counts the peer: its X-Forwarded-For is not believed.
  for (int i = 0; i < 10; ++i) {
    r.headers = {{"x-api-key", "sandbox-with-json-responses"},
                 {"Keyward-Admin-Key", admin()},
                 {"X-Forwarded-For", "198.51.100." + std::to_string(i)},
                 {"X-Forwarded-Method", "POST"},
                 {"X-Forwarded-Uri", "/v1/extractions"}};
    Answer a = env_.Call(r);
    ASSERT_EQ(a.status(), 200) << i << " " << Describe(a);
  }
  r.headers[2].second = "198.51.100.99";
  EXPECT_TRUE(IsError(env_.Call(r), 429, "RATE_LIMITED"));
}

TEST_F(GatewayConventions, TheSandboxIsLimitedPerClientAddressInEveryConvention) {
  // From a trusted proxy, X-Forwarded-For names the client: each client has its own 10/min.
  for (Convention c : kAll) {
    const std::string client = std::string("198.51.100.") + std::to_string(static_cast<int>(c));
    const Headers xff = {{"X-Forwarded-For", client}};
    for (int i = 0; i < 10; ++i) {
      Answer a = Ask(c, ApiKey("sandbox-with-json-responses"), "POST", "/v1/extractions", xff);
      ASSERT_EQ(a.status(), 200) << Name(c) << " " << i << " " << Describe(a);
      EXPECT_EQ(HeaderOf(a, "X-Keyward-Sandbox"), "true");
    }
    EXPECT_TRUE(
        IsError(Ask(c, ApiKey("sandbox-with-json-responses"), "POST", "/v1/extractions", xff), 429,
                "RATE_LIMITED"))
        << Name(c);
  }
}

// A gateway in server.trusted_proxies may ask /v1/auth even when verifier.allow_from leaves it out
// (API.md 10); /v1/keys/verify still answers allow_from only (API.md 5).
class GatewayTrustedProxyOnly : public GatewayConventions {
 protected:
  GatewayTrustedProxyOnly() : GatewayConventions(WithRoutes(/*loopback_verifier=*/false)) {}
};

TEST_F(GatewayTrustedProxyOnly, ATrustedProxyMayAskAndItsHeadersAreHonoured) {
  for (Convention c : kAll) {
    EXPECT_TRUE(IsError(Ask(c, ApiKey(without_.key), "POST", "/v1/extractions"), 403, "FORBIDDEN"))
        << Name(c);
    EXPECT_EQ(Ask(c, ApiKey(with_.key), "POST", "/v1/extractions").status(), 200) << Name(c);
  }
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", with_.key}}), 404, "NOT_FOUND"));
}

}  // namespace
}  // namespace keyward::api_test
