// Verification for gateways (API.md 5): POST /v1/keys/verify and GET /v1/auth, in process. The
// integration suite (verify_test.cc, key_types_test.cc, abuse_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

// Two protected routes: POST /v1/extractions needs extractions:write; GET /v1/public/* is open to
// publishable keys.
EnvOptions WithRoutes() {
  EnvOptions o;
  RouteRule extractions;
  extractions.method = "POST";
  extractions.path = "/v1/extractions";
  extractions.permission = "extractions:write";
  RouteRule open;
  open.method = "GET";
  open.path = "/v1/public/*";
  open.publishable = true;
  o.service.routes = RouteTable({extractions, open});
  return o;
}

class VerifyRoute : public RouteTest {
 protected:
  VerifyRoute() : RouteTest(WithRoutes()) {}
  void SetUp() override { owner_ = NewSecretKey(&account_); }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  Answer Verify(const std::string& key, std::string method = "GET",
                std::string path = "/v1/things") {
    return Post("/v1/keys/verify", object{{"key", key}, {"method", method}, {"path", path}});
  }
  Answer Auth(const Headers& cred, std::string method = "GET", std::string uri = "/v1/things") {
    return Get("/v1/auth", Join(cred, {{"X-Original-Method", method}, {"X-Original-URI", uri}}));
  }
  std::string account_;
  CreatedKey owner_;
};

// ---- POST /v1/keys/verify ----------------------------------------------------------------------

TEST_F(VerifyRoute, Verify200ValidHasTheExactShape) {
  Answer a = Verify(owner_.key, "POST", "/v4/smart/parse");
  ASSERT_TRUE(IsOk(a));
  object o = BodyOf(a);
  EXPECT_EQ(o.size(), 5u) << Describe(a);
  EXPECT_EQ(o.at("valid"), true);
  EXPECT_EQ(o.at("code"), "VALID");
  const object& t = o.at("token").as_object();
  EXPECT_EQ(t.size(), 7u);  // with metadata (API.md 11.1)
  EXPECT_EQ(Str(t.at("id")), owner_.id);
  EXPECT_EQ(Str(t.at("account")), account_);
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_EQ(t.at("livemode"), true);
  EXPECT_EQ(t.at("sandbox"), false);
  const object& rl = o.at("ratelimit").as_object();
  EXPECT_EQ(rl.at("limit").as_int64(), 150);
  EXPECT_EQ(rl.at("remaining").as_int64(), 149);
  EXPECT_TRUE(o.contains("credits"));
}

TEST_F(VerifyRoute, Verify200InvalidVerdictsForGarbageUnknownRevokedAndExpiredKeys) {
  CreatedKey revoked = NewKey(AsAdmin());
  Revoke(account_, revoked.id);
  CreatedKey expiring = NewKey(AsAdmin(), {{"expires_at", env_.clock().NowUnix() + 5}});
  env_.clock().AdvanceSeconds(6);
  std::string bad_checksum = owner_.key;
  bad_checksum.back() = bad_checksum.back() == 'A' ? 'B' : 'A';
  for (const std::string& key : {std::string("garbage"), bad_checksum, WellFormedKey("sk_live_"),
                                 revoked.key, expiring.key}) {
    Answer a = Verify(key);
    ASSERT_EQ(a.status(), 200) << Describe(a);
    EXPECT_EQ(BodyOf(a).at("valid"), false) << key;
    EXPECT_EQ(BodyOf(a).at("code"), "UNAUTHORIZED") << key;
  }
}

TEST_F(VerifyRoute, Verify200ForbiddenVerdictByMethodAndPath) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"reports:read"}}});
  EXPECT_EQ(BodyOf(Verify(rk.key, "POST", "/v1/extractions")).at("code"), "FORBIDDEN");
  EXPECT_EQ(BodyOf(Verify(rk.key, "GET", "/v1/extractions")).at("code"), "VALID");
}

TEST_F(VerifyRoute, Verify400BodyIsValidated) {
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"method", "GET"}, {"path", "/"}}), 400,
                      "INVALID_REQUEST", "key"));
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", 5}}), 400, "INVALID_REQUEST", "key"));
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", "x"}, {"extra", 1}}), 400,
                      "INVALID_REQUEST", "extra"));
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", "x"}, {"method", 1}}), 400,
                      "INVALID_REQUEST", "method"));
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", "x"}, {"path", "relative"}}), 400,
                      "INVALID_REQUEST", "path"));
  EXPECT_TRUE(IsError(Post("/v1/keys/verify", object{{"key", "x"}, {"client_ip", "not-an-ip"}}),
                      400, "INVALID_REQUEST", "client_ip"));
  EXPECT_TRUE(IsError(PostRaw("/v1/keys/verify", ""), 400, "INVALID_REQUEST"));
}

TEST_F(VerifyRoute, Verify404OutsideAllowFromWithoutAnAdminKey) {
  Request r;
  r.method = "POST";
  r.target = "/v1/keys/verify";
  r.body = boost::json::serialize(object{{"key", owner_.key}});
  r.peer = "203.0.113.7";
  EXPECT_TRUE(IsError(env_.Call(r), 404, "NOT_FOUND"));
  r.headers = {{"Keyward-Admin-Key", WellFormedKey("ak_")}};
  EXPECT_TRUE(IsError(env_.Call(r), 404, "NOT_FOUND"));
  r.headers = {{"Keyward-Admin-Key", admin()}};
  EXPECT_TRUE(IsOk(env_.Call(r)));
}

TEST_F(VerifyRoute, Verify405) {
  Answer a = Get("/v1/keys/verify");
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST");
}

// ---- GET /v1/auth ------------------------------------------------------------------------------

TEST_F(VerifyRoute, Auth200SetsTheKeywardHeaders) {
  for (const Headers& cred :
       {ApiKey(owner_.key), Bearer(owner_.key), Headers{{"X-API-KEY", owner_.key}}}) {
    Answer a = Auth(cred);
    ASSERT_EQ(a.status(), 200) << Describe(a);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Account"), account_);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Token-Id"), owner_.id);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Permissions"), "*");
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Livemode"), "true");
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Sandbox"), "false");
    EXPECT_TRUE(HasRateLimitHeaders(a));
  }
}

TEST_F(VerifyRoute, Auth200RestrictedTestModeKeyReportsItsPermissionsAndMode) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"},
                                     {"permissions", {"reports:read", "extractions:write"}},
                                     {"livemode", false}});
  Answer a = Auth(ApiKey(rk.key));
  ASSERT_EQ(a.status(), 200) << Describe(a);
  const std::string perms = HeaderOf(a, "X-Keyward-Permissions").value_or("");
  EXPECT_TRUE(perms == "reports:read,extractions:write" ||
              perms == "extractions:write,reports:read")
      << perms;
  EXPECT_EQ(HeaderOf(a, "X-Keyward-Livemode"), "false");
}

TEST_F(VerifyRoute, Auth200EnvoyStyleUsesItsOwnMethodAndThePathAfterThePrefix) {
  CreatedKey without =
      NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"reports:read"}}});
  CreatedKey with =
      NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"extractions:write"}}});
  EXPECT_TRUE(
      IsError(Call("POST", "/v1/auth/v1/extractions", ApiKey(without.key)), 403, "FORBIDDEN"));
  EXPECT_EQ(Call("POST", "/v1/auth/v1/extractions", ApiKey(with.key)).status(), 200);
  EXPECT_EQ(Call("GET", "/v1/auth/v1/extractions", ApiKey(without.key)).status(), 200);
}

TEST_F(VerifyRoute, Auth200PreferMinimalDropsTheBody) {
  Answer a = Get("/v1/auth", Join(ApiKey(owner_.key), {{"Prefer", "return=minimal"}}));
  EXPECT_EQ(a.status(), 200);
  EXPECT_TRUE(a.response.body.empty());
  EXPECT_EQ(HeaderOf(a, "Preference-Applied"), "return=minimal");
}

TEST_F(VerifyRoute, Auth401NoCredentialHasABareChallenge) {
  Answer a = Auth({});
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
  EXPECT_EQ(HeaderOf(a, "WWW-Authenticate"), "Bearer realm=\"keyward\"");
  EXPECT_EQ(HeaderOf(a, "X-Keyward-Error"), a.response.body);
}

TEST_F(VerifyRoute, Auth401InvalidKeysHaveAnInvalidTokenChallenge) {
  CreatedKey revoked = NewKey(AsAdmin());
  Revoke(account_, revoked.id);
  for (const std::string& key : {std::string("garbage"), WellFormedKey("sk_live_"), revoked.key}) {
    Answer a = Auth(ApiKey(key));
    EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED")) << key;
    EXPECT_EQ(HeaderOf(a, "WWW-Authenticate"), "Bearer realm=\"keyward\", error=\"invalid_token\"");
  }
}

TEST_F(VerifyRoute, Auth401TwoDifferentCredentials) {
  CreatedKey other = NewKey(AsAdmin());
  EXPECT_TRUE(IsError(Auth(Join(ApiKey(owner_.key), Bearer(other.key))), 401, "UNAUTHORIZED"));
}

TEST_F(VerifyRoute, Auth403PermissionAndPublishableRoutes) {
  CreatedKey pk = NewKey(AsAdmin(), {{"type", "publishable"}});
  Answer refused = Auth(ApiKey(pk.key), "POST", "/v1/extractions");
  EXPECT_TRUE(IsError(refused, 403, "FORBIDDEN"));
  EXPECT_TRUE(HasRateLimitHeaders(refused));
  EXPECT_TRUE(IsError(Auth(ApiKey(pk.key), "GET", "/v1/things"), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Auth(ApiKey(pk.key), "GET", "/v1/public"), 403, "FORBIDDEN"));
  EXPECT_EQ(Auth(ApiKey(pk.key), "GET", "/v1/public/catalog").status(), 200);
}

TEST_F(VerifyRoute, Auth404OutsideAllowFrom) {
  Request r;
  r.target = "/v1/auth";
  r.headers = ApiKey(owner_.key);
  r.peer = "203.0.113.7";
  EXPECT_TRUE(IsError(env_.Call(r), 404, "NOT_FOUND"));
}

TEST_F(VerifyRoute, Auth429OncePerKeyLimitIsSpent) {
  for (int i = 0; i < 150; ++i) ASSERT_EQ(Auth(ApiKey(owner_.key)).status(), 200) << i;
  Answer a = Auth(ApiKey(owner_.key));
  EXPECT_TRUE(IsError(a, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(a, "Retry-After").has_value());
  EXPECT_TRUE(HasRateLimitHeaders(a));
  EXPECT_EQ(BodyOf(Verify(owner_.key)).at("code"), "RATE_LIMITED");
}

TEST_F(VerifyRoute, Auth429SandboxKeyPerClientAddress) {
  // sandbox.rate_limit: 10/min per client IP (API.md 6).
  for (int i = 0; i < 10; ++i) {
    Answer a = Auth(ApiKey("sandbox-with-json-responses"));
    ASSERT_EQ(a.status(), 200) << i << " " << Describe(a);
    EXPECT_EQ(HeaderOf(a, "X-Keyward-Sandbox"), "true");
  }
  EXPECT_TRUE(IsError(Auth(ApiKey("sandbox-with-json-responses")), 429, "RATE_LIMITED"));
}

}  // namespace
}  // namespace keyward::api_test
