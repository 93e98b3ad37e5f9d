// API.md 1.4: a POST with an Idempotency-Key runs at most once per (account, key).
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

class IdempotencyTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared(); }
  static void TearDownTestSuite() { StopShared(); }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    account_ = CreateAccount(client(), admin());
    auth_ = AdminFor(admin(), account_);
  }

  size_t TokenCount() {
    Response r = client().Get("/v1/tokens?limit=100", auth_);
    return r.object().at("data").as_array().size();
  }

  Headers WithKey(const std::string& key) { return Join(auth_, {{"Idempotency-Key", key}}); }

  std::string account_;
  Headers auth_;
};

TEST_F(IdempotencyTest, RetriedCreateRunsOnceAndReplaysWithoutTheKey) {
  boost::json::object body{{"name", "retried"}};
  Response first = client().Post("/v1/tokens", body, WithKey("create-1"));
  ASSERT_EQ(first.status, 200) << Describe(first);
  EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
  ASSERT_TRUE(first.object().contains("key"));
  for (int i = 0; i < 3; ++i) {
    Response again = client().Post("/v1/tokens", body, WithKey("create-1"));
    ASSERT_EQ(again.status, 200) << Describe(again);
    EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(again.object().at("id"), first.object().at("id"));
    EXPECT_FALSE(again.object().contains("key"));  // keys are never stored
  }
  EXPECT_EQ(TokenCount(), 1u);
}

TEST_F(IdempotencyTest, SameKeyWithADifferentRequestIs422) {
  ASSERT_EQ(client().Post("/v1/tokens", boost::json::object{{"name", "a"}}, WithKey("k2")).status,
            200);
  Response other = client().Post("/v1/tokens", boost::json::object{{"name", "b"}}, WithKey("k2"));
  EXPECT_TRUE(IsError(other, 422, "IDEMPOTENCY_KEY_REUSED")) << Describe(other);
  EXPECT_EQ(TokenCount(), 1u);
}

TEST_F(IdempotencyTest, RefusedRequestsAreNotStoredSoACorrectedRetryRuns) {
  Response bad = client().Post("/v1/tokens", boost::json::object{{"name", ""}}, WithKey("k3"));
  EXPECT_TRUE(IsError(bad, 400, "INVALID_REQUEST", "name")) << Describe(bad);
  // Same key, same (bad) request again: keyward refused it, so it runs (and is refused) again.
  Response bad2 = client().Post("/v1/tokens", boost::json::object{{"name", ""}}, WithKey("k3"));
  EXPECT_TRUE(IsError(bad2, 400, "INVALID_REQUEST", "name")) << Describe(bad2);
  Response fixed = client().Post("/v1/tokens", boost::json::object{{"name", "ok"}}, WithKey("k3"));
  EXPECT_EQ(fixed.status, 200) << Describe(fixed);
}

TEST_F(IdempotencyTest, KeysAreScopedToTheAccount) {
  std::string other_account = CreateAccount(client(), admin());
  Headers other = Join(AdminFor(admin(), other_account), {{"Idempotency-Key", "shared"}});
  boost::json::object body{{"name", "x"}};
  Response a = client().Post("/v1/tokens", body, WithKey("shared"));
  Response b = client().Post("/v1/tokens", body, other);
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  EXPECT_NE(a.object().at("id"), b.object().at("id"));
  EXPECT_FALSE(b.has_header("Idempotent-Replayed"));
}

TEST_F(IdempotencyTest, InvalidKeysAre400) {
  for (const std::string& key : {std::string(256, 'a'), std::string("tab\there")}) {
    Response r = client().Post("/v1/tokens", boost::json::object{{"name", "x"}}, WithKey(key));
    EXPECT_TRUE(IsError(r, 400, "INVALID_REQUEST", "Idempotency-Key")) << Describe(r);
  }
  EXPECT_EQ(TokenCount(), 0u);
}

TEST_F(IdempotencyTest, ConcurrentDuplicatesCreateExactlyOneObject) {
  boost::json::object body{{"name", "raced"}};
  std::vector<int> statuses(8);
  std::vector<std::string> ids(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = server().Client();
      Response r = c.Post("/v1/tokens", body, WithKey("race"));
      statuses[i] = r.status;
      if (r.status == 200) ids[i] = std::string(r.object().at("id").as_string());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> distinct;
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(statuses[i] == 200 || statuses[i] == 409) << statuses[i];
    if (statuses[i] == 200) distinct.insert(ids[i]);
  }
  EXPECT_EQ(distinct.size(), 1u);  // every 200 is the one object, first or replayed
  EXPECT_EQ(TokenCount(), 1u);
}

TEST_F(IdempotencyTest, ReplaySurvivesARestart) {
  Response first = client().Post("/v1/tokens", boost::json::object{{"name", "durable"}},
                                 WithKey("durable-1"));
  ASSERT_EQ(first.status, 200);
  server().Restart();
  HttpClient c = server().Client();
  Response again = c.Post("/v1/tokens", boost::json::object{{"name", "durable"}},
                          WithKey("durable-1"));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.object().at("id"), first.object().at("id"));
}

}  // namespace
}  // namespace keyward_it
