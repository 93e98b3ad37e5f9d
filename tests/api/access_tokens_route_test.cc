// /v1/token and /v1/token/verify (API.md 3), in process. The integration suite
// (access_tokens_test.cc, access_token_expiry_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class AccessTokensRoute : public RouteTest {
 protected:
  void SetUp() override { owner_ = NewSecretKey(&account_); }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  // POST /v1/token with `auth`; the at_ token of a 200.
  std::string Mint(const Headers& auth, int64_t minutes = 5) {
    Answer a = Post("/v1/token", object{{"expiry_minutes", minutes}}, auth);
    if (a.status() != 200) throw std::runtime_error("Mint: " + Describe(a));
    return std::string(BodyOf(a).at("access_token").as_string());
  }
  std::string account_;
  CreatedKey owner_;
};

TEST_F(AccessTokensRoute, Mint200HasTheExactShape) {
  Answer a = Post("/v1/token", object{{"expiry_minutes", 5}}, ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  object o = BodyOf(a);
  EXPECT_EQ(o.size(), 3u);
  EXPECT_EQ(o.at("object"), "access_token");
  EXPECT_TRUE(o.at("access_token").as_string().starts_with("at_"));
  // ManualClock starts at 1'700'000'000 = 2023-11-14T22:13:20Z.
  EXPECT_EQ(o.at("expires_at"), "2023-11-14T22:18:20Z");
  EXPECT_TRUE(HasRateLimitHeaders(a));
}

TEST_F(AccessTokensRoute, Mint200ExpiryDefaultsToSixtyMinutesAndBoundsAreInclusive) {
  Answer a = Post("/v1/token", object{}, ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(BodyOf(a).at("expires_at"), "2023-11-14T23:13:20Z");
  EXPECT_TRUE(IsOk(Post("/v1/token", object{{"expiry_minutes", 1}}, ApiKey(owner_.key))));
  EXPECT_TRUE(IsOk(Post("/v1/token", object{{"expiry_minutes", 60}}, ApiKey(owner_.key))));
}

TEST_F(AccessTokensRoute, Mint200RestrictedWithTokensWrite) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write"}}});
  EXPECT_TRUE(IsOk(Post("/v1/token", object{{"expiry_minutes", 5}}, ApiKey(rk.key))));
}

TEST_F(AccessTokensRoute, Verify200ValidWithAKeyOfTheSameAccountOrAnAdminKey) {
  std::string at = Mint(ApiKey(owner_.key));
  for (const Headers& auth : {ApiKey(owner_.key), Admin(admin())}) {
    Answer a = Post("/v1/token/verify", object{{"access_token", at}}, auth);
    ASSERT_TRUE(IsOk(a));
    EXPECT_EQ(BodyOf(a).at("valid"), true);
    EXPECT_EQ(BodyOf(a).at("expires_at"), "2023-11-14T22:18:20Z");
  }
}

TEST_F(AccessTokensRoute, Verify200InvalidForAnotherAccountsUnknownOrGarbageToken) {
  std::string at = Mint(ApiKey(owner_.key));
  CreatedKey theirs = NewSecretKey();
  EXPECT_EQ(
      Post("/v1/token/verify", object{{"access_token", at}}, ApiKey(theirs.key)).response.body,
      "{\"valid\":false}");
  for (const std::string& token : {WellFormedKey("at_"), std::string("at_"), std::string("hello"),
                                   std::string(300, 'a'), owner_.key}) {
    Answer a = Post("/v1/token/verify", object{{"access_token", token}}, ApiKey(owner_.key));
    EXPECT_EQ(a.status(), 200) << Describe(a);
    EXPECT_EQ(a.response.body, "{\"valid\":false}") << token.substr(0, 12);
  }
}

TEST_F(AccessTokensRoute, Verify200InvalidOnceExpired) {
  std::string at = Mint(ApiKey(owner_.key), 1);
  env_.clock().AdvanceSeconds(61);
  EXPECT_EQ(
      Post("/v1/token/verify", object{{"access_token", at}}, ApiKey(owner_.key)).response.body,
      "{\"valid\":false}");
}

TEST_F(AccessTokensRoute, Mint400ExpiryOutOfRangeOrOfTheWrongType) {
  const std::vector<boost::json::value> bad = {
      0, 61, -1, 3600, "5", 1.5, true, nullptr, boost::json::array{5}, object{{"m", 5}}};
  for (const auto& v : bad) {
    EXPECT_TRUE(IsError(Post("/v1/token", object{{"expiry_minutes", v}}, ApiKey(owner_.key)), 400,
                        "INVALID_REQUEST", "expiry_minutes"))
        << boost::json::serialize(v);
  }
}

TEST_F(AccessTokensRoute, Mint400UnknownFieldOrMalformedBody) {
  EXPECT_TRUE(IsError(
      Post("/v1/token", object{{"expiry_minutes", 5}, {"scope", "all"}}, ApiKey(owner_.key)), 400,
      "INVALID_REQUEST", "scope"));
  EXPECT_TRUE(IsError(PostRaw("/v1/token", "{\"expiry_minutes\": 5", ApiKey(owner_.key)), 400,
                      "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(PostRaw("/v1/token", "[5]", ApiKey(owner_.key)), 400, "INVALID_REQUEST"));
}

TEST_F(AccessTokensRoute, Mint400ParentIsOnlyForSessions) {
  EXPECT_TRUE(IsError(Post("/v1/token", object{{"parent", owner_.id}}, ApiKey(owner_.key)), 400,
                      "INVALID_REQUEST", "parent"));
}

TEST_F(AccessTokensRoute, Verify400BodyIsValidated) {
  const Headers h = ApiKey(owner_.key);
  EXPECT_TRUE(
      IsError(Post("/v1/token/verify", object{}, h), 400, "INVALID_REQUEST", "access_token"));
  EXPECT_TRUE(IsError(PostRaw("/v1/token/verify", "", h), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(Post("/v1/token/verify", object{{"access_token", 5}}, h), 400,
                      "INVALID_REQUEST", "access_token"));
  EXPECT_TRUE(IsError(Post("/v1/token/verify", object{{"access_token", nullptr}}, h), 400,
                      "INVALID_REQUEST", "access_token"));
  EXPECT_TRUE(IsError(Post("/v1/token/verify", object{{"access_token", "at_x"}, {"extra", 1}}, h),
                      400, "INVALID_REQUEST", "extra"));
}

TEST_F(AccessTokensRoute, Mint401WithoutOrWithABadCredential) {
  const object body{{"expiry_minutes", 5}};
  EXPECT_TRUE(IsError(Post("/v1/token", body), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey("garbage")), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(
      IsError(Post("/v1/token", body, ApiKey(WellFormedKey("sk_live_"))), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey(WellFormedKey("at_"))), 401, "UNAUTHORIZED"));
  CreatedKey revoked = NewKey(AsAdmin());
  Revoke(account_, revoked.id);
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey(revoked.key)), 401, "UNAUTHORIZED"));
}

TEST_F(AccessTokensRoute, Verify401WithoutACredential) {
  EXPECT_TRUE(
      IsError(Post("/v1/token/verify", object{{"access_token", "at_x"}}), 401, "UNAUTHORIZED"));
}

TEST_F(AccessTokensRoute, Get401TokenOfARevokedParent) {
  CreatedKey parent = NewKey(AsAdmin());
  std::string at = Mint(ApiKey(parent.key));
  Revoke(account_, parent.id);
  EXPECT_TRUE(IsError(Get("/v1/auth", ApiKey(at)), 401, "UNAUTHORIZED"));
}

TEST_F(AccessTokensRoute, Mint403PublishableKeyAccessTokenAdminKeyAndSandbox) {
  CreatedKey pk = NewKey(AsAdmin(), {{"type", "publishable"}});
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:read"}}});
  std::string at = Mint(ApiKey(owner_.key));
  const object body{{"expiry_minutes", 5}};
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey(pk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey(rk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/token", body, ApiKey(at)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/token", body, AsAdmin()), 403, "FORBIDDEN"));
  EXPECT_TRUE(
      IsError(Post("/v1/token", body, ApiKey("sandbox-with-json-responses")), 403, "FORBIDDEN"));
}

TEST_F(AccessTokensRoute, Management403ForAnAccessToken) {
  CreatedKey victim = NewKey(AsAdmin());
  std::string at = Mint(ApiKey(owner_.key));
  for (const Headers& auth : {ApiKey(at), Bearer(at)}) {
    EXPECT_TRUE(IsError(Get("/v1/tokens", auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "from at"}}, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Get("/v1/tokens/" + victim.id, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(
        IsError(Post("/v1/tokens/" + victim.id + "/revoke", object{}, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(
        IsError(Post("/v1/tokens/" + victim.id + "/roll", object{}, auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Get("/v1/credits", auth), 403, "FORBIDDEN"));
    EXPECT_TRUE(IsError(Get("/v1/accounts", auth), 403, "FORBIDDEN"));
  }
  EXPECT_TRUE(IsOk(Get("/v1/tokens/" + victim.id, ApiKey(owner_.key))));  // nothing happened
}

TEST_F(AccessTokensRoute, Auth403TokenExpiredPastItsExpiry) {
  std::string at = Mint(ApiKey(owner_.key), 1);
  EXPECT_EQ(Get("/v1/auth", ApiKey(at)).status(), 200);
  env_.clock().AdvanceSeconds(61);
  EXPECT_TRUE(IsError(Get("/v1/auth", ApiKey(at)), 403, "TOKEN_EXPIRED"));
}

TEST_F(AccessTokensRoute, Get405) {
  Answer a = Get("/v1/token", ApiKey(owner_.key));
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST");
  Answer b = Get("/v1/token/verify", ApiKey(owner_.key));
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "POST");
}

}  // namespace
}  // namespace keyward::api_test
