// Runtime control of tokens (API.md 11.1, 11.5), in process: POST /v1/tokens/:id (partial
// update: name, metadata, expires_at, ip_allowlist, permissions), disable/enable, ?status=, the
// IP allowlist on every path that verifies, and metadata in the verdict and X-Keyward-Metadata.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

class TokenControlRoute : public RouteTest {
 protected:
  void SetUp() override { owner_ = NewSecretKey(&account_); }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  Answer Update(const std::string& id, const object& body) {
    return Post("/v1/tokens/" + id, body, AsAdmin());
  }
  object Token(const std::string& id) {
    Answer a = Get("/v1/tokens/" + id, AsAdmin());
    if (a.status() != 200) throw std::runtime_error("Token: " + Describe(a));
    return BodyOf(a);
  }
  Answer VerifyKey(const std::string& key, std::optional<std::string> client_ip = std::nullopt) {
    object body{{"key", key}, {"method", "GET"}, {"path", "/v1/things"}};
    if (client_ip) body["client_ip"] = *client_ip;
    return Post("/v1/keys/verify", body);
  }
  Answer Auth(const std::string& key, Headers extra = {}) {
    return Get("/v1/auth/v1/things", Join(ApiKey(key), extra));
  }
  std::string account_;
  CreatedKey owner_;
};

// ---- create with metadata and allowlist --------------------------------------------------------

TEST_F(TokenControlRoute, Create200WithMetadataAndAllowlistNormalised) {
  Answer a = Post("/v1/tokens",
                  object{{"name", "fenced"},
                         {"metadata", object{{"customer", "42"}, {"dropped", ""}}},
                         {"ip_allowlist", array{"10.0.0.0/8", "192.0.2.7", "2001:DB8::/32"}}},
                  AsAdmin());
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object t = BodyOf(a);
  EXPECT_EQ(t.at("metadata"), (object{{"customer", "42"}}));
  EXPECT_EQ(t.at("ip_allowlist"), (array{"10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32"}));
}

TEST_F(TokenControlRoute, NewTokensHaveEmptyMetadataAndAllowlist) {
  object t = Token(owner_.id);
  EXPECT_EQ(t.at("metadata"), object{});
  EXPECT_EQ(t.at("ip_allowlist"), array{});
}

// ---- POST /v1/tokens/:id -----------------------------------------------------------------------

TEST_F(TokenControlRoute, Update200MergesMetadataAsStripeDoes) {
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"metadata", object{{"a", "1"}, {"b", "2"}}}})));
  Answer a = Update(owner_.id, object{{"name", "renamed"},
                                      {"metadata", object{{"b", ""}, {"c", "3"}, {"a", nullptr}}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  EXPECT_EQ(BodyOf(a).at("metadata"), (object{{"c", "3"}}));
  EXPECT_EQ(BodyOf(a).at("name"), "renamed");
  object stored = Token(owner_.id);
  EXPECT_EQ(stored.at("metadata"), (object{{"c", "3"}}));
  EXPECT_EQ(stored.at("name"), "renamed");
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"metadata", nullptr}})));
  EXPECT_EQ(Token(owner_.id).at("metadata"), object{});
}

TEST_F(TokenControlRoute, Update400MetadataLimitsAfterTheMergeChangeNothing) {
  object fifty;
  for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = "v";
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"metadata", fifty}})));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"metadata", object{{"one_more", "v"}}}}), 400,
                      "INVALID_REQUEST", "metadata"));
  // Replacing a value of a full set is fine; a removal makes room.
  EXPECT_TRUE(IsOk(Update(owner_.id, object{{"metadata", object{{"k0", "w"}}}})));
  EXPECT_TRUE(
      IsOk(Update(owner_.id, object{{"metadata", object{{"k1", nullptr}, {"one_more", "v"}}}})));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"metadata", object{{std::string(41, 'k'), "v"}}}}),
                      400, "INVALID_REQUEST", "metadata"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"metadata", object{{"k", std::string(501, 'v')}}}}),
                      400, "INVALID_REQUEST", "metadata"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"metadata", object{{"n", 1}}}}), 400,
                      "INVALID_REQUEST", "metadata"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"metadata", array{"x"}}}), 400, "INVALID_REQUEST",
                      "metadata"));
  EXPECT_EQ(Token(owner_.id).at("metadata").as_object().size(), 50u);
  EXPECT_EQ(Token(owner_.id).at("metadata").as_object().at("k0"), "w");
}

TEST_F(TokenControlRoute, Update400BadFieldsChangeNothing) {
  const object before = Token(owner_.id);
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"nmae", "x"}}), 400, "INVALID_REQUEST", "nmae"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"name", ""}}), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(
      IsError(Update(owner_.id, object{{"name", nullptr}}), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"expires_at", env_.clock().NowUnix()}}), 400,
                      "INVALID_REQUEST", "expires_at"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"ip_allowlist", array{"10.0.0.1/8"}}}), 400,
                      "INVALID_REQUEST", "ip_allowlist"));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"ip_allowlist", array{"not-an-ip"}}}), 400,
                      "INVALID_REQUEST", "ip_allowlist"));
  array many;
  for (int i = 0; i < 101; ++i) many.emplace_back("10.0.0." + std::to_string(i));
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"ip_allowlist", many}}), 400, "INVALID_REQUEST",
                      "ip_allowlist"));
  // A secret key has no permissions to change.
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"permissions", array{"a:read"}}}), 400,
                      "INVALID_REQUEST", "permissions"));
  // A valid field beside a bad one: nothing is applied.
  EXPECT_TRUE(IsError(Update(owner_.id, object{{"name", "new"}, {"ip_allowlist", array{"x"}}}), 400,
                      "INVALID_REQUEST", "ip_allowlist"));
  EXPECT_EQ(Token(owner_.id), before);
}

TEST_F(TokenControlRoute, Update200ExpiryAndAllowlistCanBeClearedWithNull) {
  const int64_t later = env_.clock().NowUnix() + 3600;
  ASSERT_TRUE(IsOk(
      Update(owner_.id, object{{"expires_at", later}, {"ip_allowlist", array{"203.0.113.0/24"}}})));
  object t = Token(owner_.id);
  EXPECT_EQ(t.at("expires_at").as_int64(), later);
  EXPECT_EQ(t.at("ip_allowlist"), array{"203.0.113.0/24"});
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"expires_at", nullptr}, {"ip_allowlist", nullptr}})));
  t = Token(owner_.id);
  EXPECT_TRUE(t.at("expires_at").is_null());
  EXPECT_EQ(t.at("ip_allowlist"), array{});
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"ip_allowlist", array{"203.0.113.0/24"}}})));
  ASSERT_TRUE(IsOk(Update(owner_.id, object{{"ip_allowlist", array{}}})));
  EXPECT_EQ(Token(owner_.id).at("ip_allowlist"), array{});
}

TEST_F(TokenControlRoute, Update200PermissionsOfARestrictedKeyWithoutEscalation) {
  CreatedKey rk =
      NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write", "a:read"}}});
  CreatedKey child = NewKey(ApiKey(rk.key), {{"type", "restricted"}, {"permissions", {"a:read"}}});
  // The admin may set anything; the restricted key only what it holds.
  Answer by_admin = Update(child.id, object{{"permissions", array{"b:write", "a:read"}}});
  ASSERT_TRUE(IsOk(by_admin)) << Describe(by_admin);
  EXPECT_EQ(BodyOf(by_admin).at("permissions"), (array{"a:read", "b:write"}));
  // The child now holds b:write, which rk lacks: rk may no longer change it at all.
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + child.id, object{{"name", "x"}}, ApiKey(rk.key)), 403,
                      "FORBIDDEN"));
  CreatedKey child2 = NewKey(ApiKey(rk.key), {{"type", "restricted"}, {"permissions", {"a:read"}}});
  EXPECT_TRUE(IsError(
      Post("/v1/tokens/" + child2.id, object{{"permissions", array{"b:write"}}}, ApiKey(rk.key)),
      403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Update(child2.id, object{{"permissions", array{}}}), 400, "INVALID_REQUEST",
                      "permissions"));
  EXPECT_TRUE(IsOk(Post("/v1/tokens/" + child2.id, object{{"permissions", array{"tokens:write"}}},
                        ApiKey(rk.key))));
  // A restricted key may not touch a secret key, even just its name.
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id, object{{"name", "x"}}, ApiKey(rk.key)), 403,
                      "FORBIDDEN"));
}

TEST_F(TokenControlRoute, Update404ForAnotherAccountsToken) {
  std::string other;
  CreatedKey theirs = NewSecretKey(&other);
  EXPECT_TRUE(IsError(Update(theirs.id, object{{"name", "mine"}}), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + theirs.id, object{{"name", "mine"}}, ApiKey(owner_.key)),
                      404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Update("tok_nope", object{{"name", "x"}}), 404, "NOT_FOUND"));
}

TEST_F(TokenControlRoute, Update403ForPublishableKeysAndAccessTokens) {
  CreatedKey pk = NewKey(AsAdmin(), {{"type", "publishable"}});
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id, object{{"name", "x"}}, ApiKey(pk.key)), 403,
                      "FORBIDDEN"));
}

// ---- disable / enable --------------------------------------------------------------------------

TEST_F(TokenControlRoute, DisabledKeysAndTheirAccessTokensGet401UntilEnabled) {
  CreatedKey key = NewKey(AsAdmin());
  Answer minted = Post("/v1/token", object{{"expiry_minutes", 5}}, ApiKey(key.key));
  ASSERT_TRUE(IsOk(minted));
  const std::string at(BodyOf(minted).at("access_token").as_string());

  Answer off = Post("/v1/tokens/" + key.id + "/disable", object{}, AsAdmin());
  ASSERT_TRUE(IsOk(off)) << Describe(off);
  EXPECT_EQ(BodyOf(off).at("status"), "disabled");
  EXPECT_EQ(BodyOf(off).at("disabled_at").as_int64(), env_.clock().NowUnix());

  Answer refused = Get("/v1/tokens", ApiKey(key.key));
  ASSERT_TRUE(IsError(refused, 401, "UNAUTHORIZED"));
  EXPECT_EQ(BodyOf(refused).at("error").at("message"), "The API key is disabled.");
  object verdict = BodyOf(VerifyKey(key.key));
  EXPECT_EQ(verdict.at("valid"), false);
  EXPECT_EQ(verdict.at("code"), "UNAUTHORIZED");
  EXPECT_EQ(verdict.at("message"), "The API key is disabled.");
  Answer by_token = Auth(at);
  ASSERT_TRUE(IsError(by_token, 401, "UNAUTHORIZED"));
  EXPECT_EQ(BodyOf(by_token).at("error").at("message"), "The API key is disabled.");

  // Listed under its status; twice is no error.
  Answer listed = Get("/v1/tokens?status=disabled", AsAdmin());
  ASSERT_TRUE(IsOk(listed));
  ASSERT_EQ(BodyOf(listed).at("data").as_array().size(), 1u);
  EXPECT_EQ(Str(BodyOf(listed).at("data").as_array()[0].at("id")), key.id);
  const object active = BodyOf(Get("/v1/tokens?status=active", AsAdmin()));
  for (const auto& t : active.at("data").as_array()) {
    EXPECT_NE(Str(t.at("id")), key.id);
  }
  EXPECT_TRUE(IsOk(Post("/v1/tokens/" + key.id + "/disable", object{}, AsAdmin())));

  Answer on = Post("/v1/tokens/" + key.id + "/enable", object{}, AsAdmin());
  ASSERT_TRUE(IsOk(on));
  EXPECT_EQ(BodyOf(on).at("status"), "active");
  EXPECT_TRUE(BodyOf(on).at("disabled_at").is_null());
  EXPECT_TRUE(IsOk(Get("/v1/tokens", ApiKey(key.key))));
  EXPECT_EQ(BodyOf(VerifyKey(key.key)).at("valid"), true);
  EXPECT_EQ(Auth(at).status(), 200);
}

TEST_F(TokenControlRoute, RevokedOrExpiredKeysCannotBeEnabled) {
  CreatedKey revoked = NewKey(AsAdmin());
  Revoke(account_, revoked.id);
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + revoked.id + "/enable", object{}, AsAdmin()), 400,
                      "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + revoked.id + "/disable", object{}, AsAdmin()), 400,
                      "INVALID_REQUEST"));
  CreatedKey expiring = NewKey(AsAdmin(), {{"expires_at", env_.clock().NowUnix() + 60}});
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + expiring.id + "/disable", object{}, AsAdmin())));
  env_.clock().AdvanceSeconds(61);
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + expiring.id + "/enable", object{}, AsAdmin()), 400,
                      "INVALID_REQUEST"));
  EXPECT_EQ(Token(expiring.id).at("status"), "expired");
  // Nor brought back by a new expiry.
  EXPECT_TRUE(IsError(Update(expiring.id, object{{"expires_at", env_.clock().NowUnix() + 600}}),
                      400, "INVALID_REQUEST", "expires_at"));
  EXPECT_EQ(Token(expiring.id).at("status"), "expired");
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/disable", object{{"x", 1}}, AsAdmin()),
                      400, "INVALID_REQUEST", "x"));
  EXPECT_TRUE(
      IsError(Get("/v1/tokens?status=paused", AsAdmin()), 400, "INVALID_REQUEST", "status"));
}

// ---- IP allowlist ------------------------------------------------------------------------------

TEST_F(TokenControlRoute, AllowlistOnVerifyRefusesOutsideAndWithoutAClientAddress) {
  CreatedKey key = NewKey(AsAdmin(), {{"ip_allowlist", {"10.0.0.0/8", "2001:db8::/32"}}});
  EXPECT_EQ(BodyOf(VerifyKey(key.key, "10.1.2.3")).at("valid"), true);
  EXPECT_EQ(BodyOf(VerifyKey(key.key, "2001:db8::5")).at("valid"), true);
  for (std::optional<std::string> ip :
       {std::optional<std::string>("192.0.2.1"), std::optional<std::string>()}) {
    object v = BodyOf(VerifyKey(key.key, ip));
    EXPECT_EQ(v.at("valid"), false);
    EXPECT_EQ(v.at("code"), "FORBIDDEN");
    EXPECT_EQ(v.at("message"), "The client address is not allowed for this key.");
    EXPECT_TRUE(v.at("ratelimit").is_null());  // refused before any limit
  }
  // Keys without an allowlist need no address.
  EXPECT_EQ(BodyOf(VerifyKey(owner_.key)).at("valid"), true);
}

TEST_F(TokenControlRoute, AllowlistOnAuthUsesTheTrustedProxysClientAddress) {
  CreatedKey key = NewKey(AsAdmin(), {{"ip_allowlist", {"203.0.113.0/24"}}});
  EXPECT_EQ(Auth(key.key, {{"X-Forwarded-For", "203.0.113.9"}}).status(), 200);
  Answer outside = Auth(key.key, {{"X-Forwarded-For", "198.51.100.1"}});
  ASSERT_TRUE(IsError(outside, 403, "FORBIDDEN"));
  EXPECT_EQ(BodyOf(outside).at("error").at("message"),
            "The client address is not allowed for this key.");
  EXPECT_TRUE(IsError(Auth(key.key), 403, "FORBIDDEN"));  // the peer itself: 127.0.0.1
}

TEST_F(TokenControlRoute, AllowlistAppliesToManagementCallsAndAccessTokens) {
  CreatedKey key = NewKey(AsAdmin(), {{"ip_allowlist", {"10.0.0.0/8"}}});
  Request inside;
  inside.method = "GET";
  inside.target = "/v1/tokens";
  inside.headers = ApiKey(key.key);
  inside.peer = "10.9.9.9";
  EXPECT_EQ(env_.Call(inside).status(), 200);
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(key.key)), 403, "FORBIDDEN"));

  Request mint = inside;
  mint.method = "POST";
  mint.target = "/v1/token";
  mint.body = R"({"expiry_minutes":5})";
  Answer minted = env_.Call(mint);
  ASSERT_EQ(minted.status(), 200) << Describe(minted);
  const std::string at(BodyOf(minted).at("access_token").as_string());
  EXPECT_EQ(Auth(at, {{"X-Forwarded-For", "10.1.1.1"}}).status(), 200);
  EXPECT_TRUE(IsError(Auth(at, {{"X-Forwarded-For", "192.0.2.1"}}), 403, "FORBIDDEN"));
  // The access token follows its parent's current allowlist.
  ASSERT_TRUE(IsOk(Update(key.id, object{{"ip_allowlist", array{"192.0.2.0/24"}}})));
  EXPECT_EQ(Auth(at, {{"X-Forwarded-For", "192.0.2.1"}}).status(), 200);
  EXPECT_TRUE(IsError(Auth(at, {{"X-Forwarded-For", "10.1.1.1"}}), 403, "FORBIDDEN"));
  ASSERT_TRUE(IsOk(Update(key.id, object{{"ip_allowlist", nullptr}})));
  EXPECT_EQ(Auth(at).status(), 200);
}

// ---- metadata in verdicts ----------------------------------------------------------------------

TEST_F(TokenControlRoute, MetadataInTheVerdictAndTheAuthHeader) {
  CreatedKey key =
      NewKey(AsAdmin(), {{"metadata", object{{"customer", "caf\xc3\xa9"}, {"tier", "gold"}}}});
  object v = BodyOf(VerifyKey(key.key));
  ASSERT_EQ(v.at("valid"), true);
  EXPECT_EQ(v.at("token").at("metadata"), (object{{"customer", "caf\xc3\xa9"}, {"tier", "gold"}}));
  Answer a = Auth(key.key);
  ASSERT_EQ(a.status(), 200);
  EXPECT_EQ(HeaderOf(a, "X-Keyward-Metadata"),
            std::string(R"({"customer":"caf\u00e9","tier":"gold"})"));
  // No metadata: no header, and an empty object in the verdict.
  EXPECT_FALSE(HeaderOf(Auth(owner_.key), "X-Keyward-Metadata").has_value());
  EXPECT_EQ(BodyOf(VerifyKey(owner_.key)).at("token").at("metadata"), object{});
  // A change applies at once.
  ASSERT_TRUE(IsOk(Update(key.id, object{{"metadata", nullptr}})));
  EXPECT_FALSE(HeaderOf(Auth(key.key), "X-Keyward-Metadata").has_value());
}

}  // namespace
}  // namespace keyward::api_test
