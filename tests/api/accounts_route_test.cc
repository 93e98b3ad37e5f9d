// /v1/accounts (API.md 7), in process: admin keys only. The integration suite (accounts_test.cc)
// is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class AccountsRoute : public RouteTest {};

TEST_F(AccountsRoute, Create200HasTheExactShape) {
  Answer a =
      Post("/v1/accounts", object{{"email", "a@example.com"}, {"name", "A"}}, Admin(admin()));
  ASSERT_TRUE(IsOk(a));
  object o = BodyOf(a);
  EXPECT_EQ(o.size(), 11u) << Describe(a);  // with metadata, overrides, status, disabled_at
  EXPECT_TRUE(o.at("id").as_string().starts_with("acct_"));
  EXPECT_EQ(o.at("id").as_string().size(), 5u + 24u);
  EXPECT_EQ(o.at("object"), "account");
  EXPECT_EQ(o.at("email"), "a@example.com");
  EXPECT_EQ(o.at("name"), "A");
  EXPECT_TRUE(o.at("credits").is_null());
  EXPECT_EQ(o.at("plan"), "default");
  EXPECT_EQ(o.at("created").as_int64(), env_.clock().NowUnix());
}

TEST_F(AccountsRoute, Create200WithCreditsAndPlanAsBearer) {
  Answer a =
      Post("/v1/accounts", object{{"email", "b@example.com"}, {"credits", 50}, {"plan", "default"}},
           Bearer(admin()));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(BodyOf(a).at("credits").as_int64(), 50);
  EXPECT_EQ(BodyOf(a).at("plan"), "default");
}

TEST_F(AccountsRoute, Get200ReturnsTheCreatedObject) {
  std::string id = NewAccount({{"name", "Named"}});
  Answer a = Get("/v1/accounts/" + id, Admin(admin()));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(Str(BodyOf(a).at("id")), id);
  EXPECT_EQ(BodyOf(a).at("name"), "Named");
}

TEST_F(AccountsRoute, List200NewestFirstWithPagination) {
  std::string first = NewAccount();
  std::string second = NewAccount();
  Answer a = Get("/v1/accounts?limit=1", Admin(admin()));
  ASSERT_TRUE(IsOk(a));
  EXPECT_EQ(Str(BodyOf(a).at("data").as_array()[0].at("id")), second);
  EXPECT_EQ(BodyOf(a).at("has_more"), true);
  Answer b = Get("/v1/accounts?limit=1&starting_after=" + second, Admin(admin()));
  ASSERT_TRUE(IsOk(b));
  EXPECT_EQ(Str(BodyOf(b).at("data").as_array()[0].at("id")), first);
}

TEST_F(AccountsRoute, AddCredits200AddsAndSubtractsButNeverBelowZero) {
  std::string id = NewAccount({{"credits", 10}});
  Answer add = Post("/v1/accounts/" + id + "/credits", object{{"amount", 5}}, Admin(admin()));
  ASSERT_TRUE(IsOk(add));
  EXPECT_EQ(BodyOf(add).at("credits").as_int64(), 15);
  Answer sub = Post("/v1/accounts/" + id + "/credits", object{{"amount", -100}}, Admin(admin()));
  ASSERT_TRUE(IsOk(sub));
  EXPECT_EQ(BodyOf(sub).at("credits").as_int64(), 0);
}

TEST_F(AccountsRoute, Create400EachInvalidFieldIsNamed) {
  EXPECT_TRUE(
      IsError(Post("/v1/accounts", object{}, Admin(admin())), 400, "INVALID_REQUEST", "email"));
  EXPECT_TRUE(IsError(Post("/v1/accounts", object{{"email", 12}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "email"));
  EXPECT_TRUE(
      IsError(Post("/v1/accounts", object{{"email", "c@example.com"}, {"name", 3}}, Admin(admin())),
              400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(
      Post("/v1/accounts", object{{"email", "c@example.com"}, {"credits", 1.5}}, Admin(admin())),
      400, "INVALID_REQUEST", "credits"));
  EXPECT_TRUE(
      IsError(Post("/v1/accounts", object{{"email", "c@example.com"}, {"plan", 7}}, Admin(admin())),
              400, "INVALID_REQUEST", "plan"));
  EXPECT_TRUE(IsError(
      Post("/v1/accounts", object{{"email", "c@example.com"}, {"nickname", "c"}}, Admin(admin())),
      400, "INVALID_REQUEST", "nickname"));
  EXPECT_TRUE(IsError(PostRaw("/v1/accounts", "not json", Admin(admin())), 400, "INVALID_REQUEST"));
}

TEST_F(AccountsRoute, AddCredits400AmountIsValidated) {
  std::string id = NewAccount({{"credits", 10}});
  const std::string path = "/v1/accounts/" + id + "/credits";
  EXPECT_TRUE(IsError(Post(path, object{}, Admin(admin())), 400, "INVALID_REQUEST", "amount"));
  EXPECT_TRUE(IsError(Post(path, object{{"amount", "5"}}, Admin(admin())), 400, "INVALID_REQUEST",
                      "amount"));
  EXPECT_TRUE(IsError(Post(path, object{{"amount", 1}, {"extra", 1}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "extra"));
  EXPECT_EQ(BodyOf(Get("/v1/accounts/" + id, Admin(admin()))).at("credits").as_int64(), 10);
}

TEST_F(AccountsRoute, List400LimitOutOfRange) {
  EXPECT_TRUE(
      IsError(Get("/v1/accounts?limit=0", Admin(admin())), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(
      IsError(Get("/v1/accounts?limit=101", Admin(admin())), 400, "INVALID_REQUEST", "limit"));
}

TEST_F(AccountsRoute, List401NoCredential) {
  Answer a = Get("/v1/accounts");
  EXPECT_TRUE(IsError(a, 401, "UNAUTHORIZED"));
  EXPECT_EQ(HeaderOf(a, "WWW-Authenticate"), "Bearer realm=\"keyward\"");
}

TEST_F(AccountsRoute, Create401UnknownOrGarbageAdminKey) {
  std::string fake = admin();
  fake.back() = fake.back() == 'A' ? 'B' : 'A';  // a bad checksum
  EXPECT_TRUE(IsError(Post("/v1/accounts", object{{"email", "d@example.com"}}, Admin(fake)), 401,
                      "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Post("/v1/accounts", object{{"email", "d@example.com"}}, Admin("ak_nope")),
                      401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Get("/v1/accounts", Admin("not a key at all")), 401, "UNAUTHORIZED"));
}

TEST_F(AccountsRoute, List403SecretKey) {
  std::string id;
  CreatedKey sk = NewSecretKey(&id);
  EXPECT_TRUE(IsError(Get("/v1/accounts", ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/accounts/" + id, ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/accounts", object{{"email", "e@example.com"}}, ApiKey(sk.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(
      IsError(Post("/v1/accounts/" + id + "/credits", object{{"amount", 100}}, Bearer(sk.key)), 403,
              "FORBIDDEN"));
}

TEST_F(AccountsRoute, List403OtherKeyTypesAndTheSandbox) {
  std::string id = NewAccount();
  CreatedKey pk = NewKey(AdminFor(admin(), id), {{"type", "publishable"}});
  CreatedKey rk = NewKey(AdminFor(admin(), id), {{"type", "restricted"}, {"permissions", {"*"}}});
  for (const std::string& key : {pk.key, rk.key, std::string("sandbox-with-json-responses")}) {
    EXPECT_TRUE(IsError(Get("/v1/accounts", ApiKey(key)), 403, "FORBIDDEN")) << key;
  }
}

TEST_F(AccountsRoute, Get404UnknownAccount) {
  EXPECT_TRUE(
      IsError(Get("/v1/accounts/acct_000000000000000000000000", Admin(admin())), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Post("/v1/accounts/acct_000000000000000000000000/credits",
                           object{{"amount", 1}}, Admin(admin())),
                      404, "NOT_FOUND"));
}

TEST_F(AccountsRoute, Delete405) {
  std::string id = NewAccount();
  Answer a = Delete("/v1/accounts/" + id, Admin(admin()));
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "GET, POST");  // POST updates (API.md 11.3)
  Answer b = Get("/v1/accounts/" + id + "/credits", Admin(admin()));
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "POST");
}

}  // namespace
}  // namespace keyward::api_test
