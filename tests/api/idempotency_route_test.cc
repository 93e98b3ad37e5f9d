// Idempotency-Key on POSTs (API.md 1.4), in process: replay, 422 on reuse with another request,
// 409 while the first still runs, 400 on a malformed key, refusals not stored. The integration
// suite (idempotency_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class IdempotencyRoute : public RouteTest {
 protected:
  void SetUp() override { owner_ = NewSecretKey(&account_); }
  Headers WithKey(const std::string& idem) const {
    return Join(ApiKey(owner_.key), {{"Idempotency-Key", idem}});
  }
  size_t TokenCount() {
    return BodyOf(Get("/v1/tokens?limit=100", ApiKey(owner_.key))).at("data").as_array().size();
  }
  std::string account_;
  CreatedKey owner_;
};

TEST_F(IdempotencyRoute, Create200ReplayedWithoutTheKey) {
  Answer first = Post("/v1/tokens", object{{"name", "once"}}, WithKey("k-1"));
  ASSERT_TRUE(IsOk(first));
  EXPECT_FALSE(HeaderOf(first, "Idempotent-Replayed").has_value());
  Answer again = Post("/v1/tokens", object{{"name", "once"}}, WithKey("k-1"));
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "true");
  object a = BodyOf(first), b = BodyOf(again);
  EXPECT_EQ(b.at("id"), a.at("id"));
  EXPECT_FALSE(b.contains("key"));
  a.erase("key");
  EXPECT_EQ(a, b);
  EXPECT_EQ(TokenCount(), 2u);
}

TEST_F(IdempotencyRoute, Create422SameKeyWithADifferentRequest) {
  ASSERT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "one"}}, WithKey("k-2"))));
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "two"}}, WithKey("k-2")), 422,
                      "IDEMPOTENCY_KEY_REUSED"));
  EXPECT_TRUE(IsError(Post("/v1/tokens/" + owner_.id + "/revoke", object{}, WithKey("k-2")), 422,
                      "IDEMPOTENCY_KEY_REUSED"));
}

TEST_F(IdempotencyRoute, Create409WhileTheFirstStillRuns) {
  const std::string body = boost::json::serialize(object{{"name", "slow"}});
  ASSERT_TRUE(env_.ClaimIdempotencyKey(account_, "k-3", "POST", "/v1/tokens", body));
  EXPECT_TRUE(IsError(PostRaw("/v1/tokens", body, WithKey("k-3")), 409, "IDEMPOTENCY_IN_PROGRESS"));
  EXPECT_EQ(TokenCount(), 1u);
}

TEST_F(IdempotencyRoute, Create400MalformedIdempotencyKey) {
  for (const std::string& bad : {std::string(), std::string(256, 'k'), std::string("tab\there")}) {
    EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}}, WithKey(bad)), 400,
                        "INVALID_REQUEST", "Idempotency-Key"))
        << bad.size();
  }
  EXPECT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "x"}}, WithKey(std::string(255, 'k')))));
}

TEST_F(IdempotencyRoute, Create400RefusalIsNotStoredSoACorrectedRetryRuns) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", ""}}, WithKey("k-4")), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "fixed"}}, WithKey("k-4"))));
}

TEST_F(IdempotencyRoute, Create200KeysAreScopedToTheAccount) {
  CreatedKey other = NewSecretKey();
  ASSERT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "mine"}}, WithKey("shared"))));
  Answer theirs = Post("/v1/tokens", object{{"name", "theirs"}},
                       Join(ApiKey(other.key), {{"Idempotency-Key", "shared"}}));
  ASSERT_TRUE(IsOk(theirs));
  EXPECT_FALSE(HeaderOf(theirs, "Idempotent-Replayed").has_value());
}

TEST_F(IdempotencyRoute, Create401IsNotStored) {
  EXPECT_TRUE(IsError(Post("/v1/tokens", object{{"name", "x"}},
                           Join(ApiKey("garbage"), {{"Idempotency-Key", "k-5"}})),
                      401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsOk(Post("/v1/tokens", object{{"name", "x"}}, WithKey("k-5"))));
}

}  // namespace
}  // namespace keyward::api_test
