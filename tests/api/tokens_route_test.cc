// /v1/tokens (API.md 2.4), in process: the status matrix of create, list, retrieve, revoke and
// roll. The integration suite (tokens_test.cc, errors_test.cc, key_types_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class TokensRoute : public RouteTest {
 protected:
  void SetUp() override {
    account_ = NewAccount();
    owner_ = NewKey(AdminFor(admin(), account_));
  }
  Headers AsAdmin() const { return AdminFor(admin(), account_); }
  std::string account_;
  CreatedKey owner_;  // a secret live key of account_
};

// ---- 200 ----------------------------------------------------------------------------------------

TEST_F(TokensRoute, Create200AdminWithAccountHeader) {
  Answer a = Post("/v1/tokens", object{{"name", "Production"}}, AsAdmin());
  ASSERT_TRUE(IsOk(a));
  object t = BodyOf(a);
  EXPECT_EQ(t.at("object"), "token");
  EXPECT_EQ(t.at("type"), "secret");
  EXPECT_EQ(Str(t.at("account")), account_);
  EXPECT_EQ(t.at("status"), "active");
  EXPECT_EQ(t.at("livemode"), true);
  EXPECT_TRUE(t.at("key").as_string().starts_with("sk_live_"));
  EXPECT_EQ(t.at("created").as_int64(), env_.clock().NowUnix());
}

TEST_F(TokensRoute, Create200SecretKeyOfTheAccount) {
  Answer a =
      Post("/v1/tokens", object{{"name", "child"}, {"type", "publishable"}}, ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  EXPECT_TRUE(BodyOf(a).at("key").as_string().starts_with("pk_live_"));
  EXPECT_TRUE(HasRateLimitHeaders(a));
}

TEST_F(TokensRoute, Create200RestrictedWithTokensWriteCreatesASubset) {
  CreatedKey rk =
      NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write", "things:read"}}});
  Answer a = Post("/v1/tokens",
                  object{{"name", "sub"}, {"type", "restricted"}, {"permissions", {"things:read"}}},
                  ApiKey(rk.key));
  EXPECT_TRUE(IsOk(a));
}

TEST_F(TokensRoute, List200NewestFirstWithLimit) {
  CreatedKey second = NewKey(AsAdmin());
  Answer a = Get("/v1/tokens?limit=1", ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  object list = BodyOf(a);
  EXPECT_EQ(list.at("object"), "list");
  ASSERT_EQ(list.at("data").as_array().size(), 1u);
  EXPECT_EQ(Str(list.at("data").as_array()[0].at("id")), second.id);
  EXPECT_EQ(list.at("has_more"), true);
  EXPECT_FALSE(list.at("data").as_array()[0].as_object().contains("key"));
}

TEST_F(TokensRoute, List200StatusActiveLeavesOutRevoked) {
  CreatedKey gone = NewKey(AsAdmin());
  Revoke(account_, gone.id);
  Answer a = Get("/v1/tokens?status=active", AsAdmin());
  ASSERT_TRUE(IsOk(a));
  const object list = BodyOf(a);
  for (const auto& t : list.at("data").as_array()) EXPECT_NE(Str(t.at("id")), gone.id);
}

TEST_F(TokensRoute, Get200HasNoKey) {
  Answer a = Get("/v1/tokens/" + owner_.id, ApiKey(owner_.key));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(Str(BodyOf(a).at("id")), owner_.id);
  EXPECT_FALSE(BodyOf(a).contains("key"));
}

TEST_F(TokensRoute, Revoke200ThenTheKeyIs401) {
  CreatedKey victim = NewKey(AsAdmin());
  Answer a = Post("/v1/tokens/" + victim.id + "/revoke", object{}, AsAdmin());
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(BodyOf(a).at("status"), "revoked");
  EXPECT_EQ(BodyOf(a).at("revoked_at").as_int64(), env_.clock().NowUnix());
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(victim.key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, Roll200WithZeroRevokesTheOldKey) {
  CreatedKey old = NewKey(AsAdmin());
  Answer a = Post("/v1/tokens/" + old.id + "/roll", object{{"expires_in_seconds", 0}}, AsAdmin());
  ASSERT_TRUE(IsOk(a));
  object fresh = BodyOf(a);
  EXPECT_NE(Str(fresh.at("id")), old.id);
  EXPECT_TRUE(IsOk(Get("/v1/tokens", ApiKey(std::string(fresh.at("key").as_string())))));
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(old.key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, Roll200WithGraceKeepsTheOldKeyUntilItExpires) {
  CreatedKey old = NewKey(AsAdmin());
  ASSERT_TRUE(
      IsOk(Post("/v1/tokens/" + old.id + "/roll", object{{"expires_in_seconds", 60}}, AsAdmin())));
  EXPECT_TRUE(IsOk(Get("/v1/tokens", ApiKey(old.key))));
  env_.clock().AdvanceSeconds(61);
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(old.key)), 401, "UNAUTHORIZED"));
}

// ---- 400: each invalid field is named ----------------------------------------------------------

TEST_F(TokensRoute, Create400MissingName) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{}, AsAdmin()), 400, "INVALID_REQUEST", "name"));
}

TEST_F(TokensRoute, Create400NameTooLongOrEmpty) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", std::string(101, 'n')}}, AsAdmin()), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", ""}}, AsAdmin()), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsOk(Post("/v1/tokens", object{{"name", std::string(100, 'n')}}, AsAdmin())));
}

TEST_F(TokensRoute, Create400NameOfTheWrongType) {
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", 5}}, AsAdmin()), 400, "INVALID_REQUEST", "name"));
}

TEST_F(TokensRoute, Create400UnknownType) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}, {"type", "admin"}}, AsAdmin()), 400,
                      "INVALID_REQUEST", "type"));
}

TEST_F(TokensRoute, Create400RestrictedWithoutPermissions) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}, {"type", "restricted"}}, AsAdmin()),
                      400, "INVALID_REQUEST", "permissions"));
}

TEST_F(TokensRoute, Create400PermissionsOnASecretOrPublishableKey) {
  EXPECT_TRUE(IsError(
      Post("/v1/tokens", object{{"name", "x"}, {"type", "publishable"}, {"permissions", {"a:b"}}},
           AsAdmin()),
      400, "INVALID_REQUEST", "permissions"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", "x"}, {"permissions", {"a:b"}}}, AsAdmin()), 400,
              "INVALID_REQUEST", "permissions"));
}

TEST_F(TokensRoute, Create400MalformedPermission) {
  EXPECT_TRUE(IsError(
      Post("/v1/tokens",
           object{{"name", "x"}, {"type", "restricted"}, {"permissions", {"NoColon"}}}, AsAdmin()),
      400, "INVALID_REQUEST", "permissions"));
}

TEST_F(TokensRoute, Create400ExpiresAtInThePast) {
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", "x"}, {"expires_at", env_.clock().NowUnix() - 1}},
                   AsAdmin()),
              400, "INVALID_REQUEST", "expires_at"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", "x"}, {"expires_at", "tomorrow"}}, AsAdmin()), 400,
              "INVALID_REQUEST", "expires_at"));
}

TEST_F(TokensRoute, Create400LivemodeOfTheWrongType) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}, {"livemode", "yes"}}, AsAdmin()),
                      400, "INVALID_REQUEST", "livemode"));
}

TEST_F(TokensRoute, Create400UnknownFieldIsNamed) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}, {"colour", "red"}}, AsAdmin()), 400,
                      "INVALID_REQUEST", "colour"));
}

TEST_F(TokensRoute, Create400MalformedOrEmptyBody) {
  EXPECT_TRUE(IsError(PostRaw("/v1/tokens", "{\"name\":", AsAdmin()), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(PostRaw("/v1/tokens", "[1,2]", AsAdmin()), 400, "INVALID_REQUEST"));
  EXPECT_TRUE(IsError(PostRaw("/v1/tokens", "", AsAdmin()), 400, "INVALID_REQUEST"));
}

TEST_F(TokensRoute, Create400ControlCharacterInName) {
  EXPECT_TRUE(IsError(PostRaw("/v1/tokens", R"({"name":"a\u0001b"})", AsAdmin()), 400,
                      "INVALID_REQUEST", "name"));
}

TEST_F(TokensRoute, Create400AdminKeyWithoutAccountHeader) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "Keyward-Account"));
}

TEST_F(TokensRoute, Create400AdminKeyForAnUnknownAccount) {
  EXPECT_TRUE(IsError(
      Post("/v1/tokens", object{{"name", "x"}}, AdminFor(admin(), "acct_000000000000000000000000")),
      400, "INVALID_REQUEST", "Keyward-Account"));
}

TEST_F(TokensRoute, List400LimitOutOfRange) {
  EXPECT_TRUE(IsError(Get("/v1/tokens?limit=0", AsAdmin()), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(Get("/v1/tokens?limit=101", AsAdmin()), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(IsError(Get("/v1/tokens?limit=ten", AsAdmin()), 400, "INVALID_REQUEST", "limit"));
}

TEST_F(TokensRoute, List400UnknownStatus) {
  EXPECT_TRUE(
      IsError(Get("/v1/tokens?status=sleeping", AsAdmin()), 400, "INVALID_REQUEST", "status"));
}

TEST_F(TokensRoute, Roll400ExpiresInSecondsOutOfRange) {
  for (int64_t bad : {int64_t{-1}, int64_t{604801}}) {
    EXPECT_TRUE(IsError(
        Post("/v1/tokens/" + owner_.id + "/roll", object{{"expires_in_seconds", bad}}, AsAdmin()),
        400, "INVALID_REQUEST", "expires_in_seconds"));
  }
}

TEST_F(TokensRoute, Revoke400UnknownField) {
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/revoke", object{{"now", true}}, AsAdmin()),
                      400, "INVALID_REQUEST", "now"));
}

// ---- 401: no, garbage, unknown, revoked, expired, conflicting credential ------------------------

TEST_F(TokensRoute, List401NoCredentialHasABareChallenge) {
  Answer a = Get("/v1/tokens");
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
  EXPECT_EQ(HeaderOf(a, "WWW-Authenticate"), "Bearer realm=\"keyward\"");
}

TEST_F(TokensRoute, List401GarbageKeyHasAnInvalidTokenChallenge) {
  Answer a = Get("/v1/tokens", ApiKey("garbage"));
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
  EXPECT_EQ(HeaderOf(a, "WWW-Authenticate"), "Bearer realm=\"keyward\", error=\"invalid_token\"");
}

TEST_F(TokensRoute, List401BadChecksum) {
  std::string key = owner_.key;
  key.back() = key.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, List401UnknownAdminKey) {
  std::string fake = admin();
  fake.back() = fake.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(IsError(Get("/v1/tokens", AdminFor(fake, account_)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, List401RevokedKey) {
  CreatedKey k = NewKey(AsAdmin());
  Revoke(account_, k.id);
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(k.key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, List401ExpiredKey) {
  CreatedKey k = NewKey(AsAdmin(), {{"expires_at", env_.clock().NowUnix() + 10}});
  EXPECT_TRUE(IsOk(Get("/v1/tokens", ApiKey(k.key))));
  env_.clock().AdvanceSeconds(11);
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(k.key)), 401, "UNAUTHORIZED"));
}

TEST_F(TokensRoute, List401TwoDifferentCredentials) {
  CreatedKey other = NewKey(AsAdmin());
  EXPECT_TRUE(
      IsError(Get("/v1/tokens", Join(ApiKey(owner_.key), Bearer(other.key))), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsOk(Get("/v1/tokens", Join(ApiKey(owner_.key), Bearer(owner_.key)))));
}

// ---- 403: wrong kind, permission or mode -------------------------------------------------------

TEST_F(TokensRoute, Create403PublishableKey) {
  CreatedKey pk = NewKey(AsAdmin(), {{"type", "publishable"}});
  Answer a = Post("/v1/tokens", object{{"name", "x"}}, ApiKey(pk.key));
  EXPECT_TRUE(IsError(a, 403, "FORBIDDEN"));
  EXPECT_TRUE(HasRateLimitHeaders(a));
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(pk.key)), 403, "FORBIDDEN"));
}

TEST_F(TokensRoute, List403RestrictedWithoutTokensRead) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write"}}});
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey(rk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/tokens/" + owner_.id, ApiKey(rk.key)), 403, "FORBIDDEN"));
}

TEST_F(TokensRoute, Create403RestrictedWithoutTokensWrite) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:read"}}});
  EXPECT_TRUE(
      IsError(Post("/v1/tokens",
                   object{{"name", "x"}, {"type", "restricted"}, {"permissions", {"tokens:read"}}},
                   ApiKey(rk.key)),
              403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/revoke", object{}, ApiKey(rk.key)), 403,
                      "FORBIDDEN"));
}

TEST_F(TokensRoute, Create403RestrictedKeyCannotEscalate) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write"}}});
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}}, ApiKey(rk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/tokens",
                           object{{"name", "x"},
                                  {"type", "restricted"},
                                  {"permissions", {"tokens:write", "billing:read"}}},
                           ApiKey(rk.key)),
                      403, "FORBIDDEN"));
}

TEST_F(TokensRoute, Create403TestModeKeyCreatingALiveKey) {
  CreatedKey test = NewKey(AsAdmin(), {{"livemode", false}});
  EXPECT_TRUE(test.key.starts_with("sk_test_"));
  EXPECT_TRUE(
      IsError(Post("/v1/tokens", object{{"name", "x"}, {"livemode", true}}, ApiKey(test.key)), 403,
              "FORBIDDEN"));
  Answer ok = Post("/v1/tokens", object{{"name", "x"}}, ApiKey(test.key));
  ASSERT_TRUE(IsOk(ok));
  EXPECT_EQ(BodyOf(ok).at("livemode"), false);
}

TEST_F(TokensRoute, List403SandboxKey) {
  EXPECT_TRUE(IsError(Get("/v1/tokens", ApiKey("sandbox-with-json-responses")), 403, "FORBIDDEN"));
}

TEST_F(TokensRoute, List403KeyNamingAnotherAccount) {
  std::string other = NewAccount();
  EXPECT_TRUE(IsError(Get("/v1/tokens", Join(ApiKey(owner_.key), {{"Keyward-Account", other}})),
                      403, "FORBIDDEN"));
}

TEST_F(TokensRoute, Roll403RestrictedKeyRollingASecretKey) {
  CreatedKey rk = NewKey(AsAdmin(), {{"type", "restricted"}, {"permissions", {"tokens:write"}}});
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/roll", object{}, ApiKey(rk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsOk(Get("/v1/tokens/" + owner_.id, ApiKey(owner_.key)))) << "not rolled";
}

TEST_F(TokensRoute, Roll403TestModeKeyRollingALiveKey) {
  CreatedKey test = NewKey(AsAdmin(), {{"livemode", false}});
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/roll", object{}, ApiKey(test.key)), 403,
                      "FORBIDDEN"));
}

// ---- 404: unknown id and another account's id get the same answer ------------------------------

TEST_F(TokensRoute, Get404UnknownAndOtherAccountsIdAlike) {
  std::string other_account;
  CreatedKey other = NewSecretKey(&other_account);
  for (const std::string& id : {std::string("tok_000000000000000000000000"), other.id}) {
    EXPECT_TRUE(IsError(Get("/v1/tokens/" + id, ApiKey(owner_.key)), 404, "NOT_FOUND")) << id;
    EXPECT_TRUE(IsError(Post("/v1/tokens/" + id + "/revoke", object{}, ApiKey(owner_.key)), 404,
                        "NOT_FOUND"))
        << id;
    EXPECT_TRUE(
        IsError(Post("/v1/tokens/" + id + "/roll", object{}, ApiKey(owner_.key)), 404, "NOT_FOUND"))
        << id;
  }
  EXPECT_TRUE(IsOk(Get("/v1/tokens/" + other.id, ApiKey(other.key))));  // still there
}

// ---- 405 ---------------------------------------------------------------------------------------

TEST_F(TokensRoute, Delete405ListsTheAllowedMethods) {
  Answer a = Delete("/v1/tokens", AsAdmin());
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST, GET");
  Answer b = Call("PUT", "/v1/tokens/" + owner_.id, AsAdmin());
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "GET, POST");  // POST updates (API.md 11.1)
}

// ---- 429 ---------------------------------------------------------------------------------------

TEST_F(TokensRoute, List429OncePerKeyLimitIsSpent) {
  // The default plan: 150/min per key, management calls included (API.md 4).
  for (int i = 0; i < 150; ++i)
    ASSERT_TRUE(IsOk(Get("/v1/tokens?limit=1", ApiKey(owner_.key)))) << i;
  Answer a = Get("/v1/tokens?limit=1", ApiKey(owner_.key));
  EXPECT_TRUE(IsError(a, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(a, "Retry-After").has_value());
  EXPECT_EQ(HeaderOf(a, "X-RateLimit-Remaining"), "0");
  env_.clock().AdvanceSeconds(60);
  EXPECT_TRUE(IsOk(Get("/v1/tokens?limit=1", ApiKey(owner_.key))));
}

}  // namespace
}  // namespace keyward::api_test
