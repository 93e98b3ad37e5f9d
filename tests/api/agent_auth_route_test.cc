// Agent sign-in (API.md 8): POST /v1/agent-auth/approve and GET /v1/agent-auth/token/:token, in
// process. The integration suite (dashboard_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::object;

class AgentAuthRoute : public RouteTest {
 protected:
  void SetUp() override {
    Answer a =
        Post("/v1/signup", object{{"email", "person@example.com"}, {"password", "password123"}});
    if (a.status() != 200) throw std::runtime_error("signup: " + Describe(a));
    const std::string cookie = HeaderOf(a, "Set-Cookie").value_or("");
    cookie_ = cookie.substr(0, cookie.find(';'));
    csrf_ = std::string(BodyOf(a).at("csrf_token").as_string());
  }
  Headers Session() const { return {{"Cookie", cookie_}, {"X-CSRF-Token", csrf_}}; }
  Answer Decide(const std::string& token, const std::string& decision, Headers auth) {
    return Post("/v1/agent-auth/approve",
                object{{"token", token}, {"decision", decision}, {"client_name", "Test CLI"}},
                std::move(auth));
  }
  Answer Poll(const std::string& token) { return Get("/v1/agent-auth/token/" + token); }

  const std::string token_ = std::string(64, 'a');
  std::string cookie_, csrf_;
};

TEST_F(AgentAuthRoute, Poll200PendingThenApprovedOnceThenExpired) {
  Answer pending = Poll(token_);
  ASSERT_TRUE(IsOk(pending));
  EXPECT_EQ(pending.response.body, R"({"status":"pending"})");
  EXPECT_EQ(HeaderOf(pending, "Cache-Control"), "no-store");
  Answer decided = Decide(token_, "approve", Session());
  ASSERT_TRUE(IsOk(decided));
  EXPECT_EQ(decided.response.body, R"({"object":"agent_auth","status":"approved"})");
  env_.clock().AdvanceSeconds(2);
  Answer approved = Poll(token_);
  ASSERT_TRUE(IsOk(approved));
  object o = BodyOf(approved);
  EXPECT_EQ(o.at("status"), "approved");
  EXPECT_EQ(o.at("email"), "person@example.com");
  const std::string key(o.at("api_key").as_string());
  EXPECT_TRUE(key.starts_with("sk_live_"));
  EXPECT_EQ(Get("/v1/auth", ApiKey(key)).status(), 200);
  Answer tokens = Get("/v1/tokens", {{"Cookie", cookie_}});
  EXPECT_EQ(BodyOf(tokens).at("data").as_array()[0].at("name"), "Test CLI (agent)");
  env_.clock().AdvanceSeconds(2);
  EXPECT_EQ(Poll(token_).response.body, R"({"status":"expired"})");
}

TEST_F(AgentAuthRoute, Poll200DeniedGetsNoKey) {
  ASSERT_TRUE(IsOk(Decide(token_, "deny", Session())));
  Answer denied = Poll(token_);
  ASSERT_TRUE(IsOk(denied));
  EXPECT_EQ(denied.response.body, R"({"status":"denied"})");
}

TEST_F(AgentAuthRoute, Poll200ExpiredAfterFifteenMinutes) {
  ASSERT_TRUE(IsOk(Poll(token_)));
  env_.clock().AdvanceSeconds(15 * 60 + 1);
  EXPECT_EQ(Poll(token_).response.body, R"({"status":"expired"})");
}

TEST_F(AgentAuthRoute, Poll400TokenMustBeHex32To128) {
  for (const std::string& bad :
       {std::string(31, 'a'), std::string(129, 'a'), std::string(40, 'z')}) {
    EXPECT_TRUE(IsError(Poll(bad), 400, "INVALID_REQUEST", "token")) << bad;
  }
  EXPECT_TRUE(IsOk(Poll(std::string(32, 'f'))));
  env_.clock().AdvanceSeconds(2);
  EXPECT_TRUE(IsOk(Poll(std::string(128, '0'))));
}

TEST_F(AgentAuthRoute, Approve400EachInvalidFieldIsNamed) {
  EXPECT_TRUE(IsError(Decide("abc", "approve", Session()), 400, "INVALID_REQUEST", "token"));
  EXPECT_TRUE(IsError(Decide(token_, "maybe", Session()), 400, "INVALID_REQUEST", "decision"));
  EXPECT_TRUE(IsError(Post("/v1/agent-auth/approve", object{{"decision", "approve"}}, Session()),
                      400, "INVALID_REQUEST", "token"));
  EXPECT_TRUE(IsError(Post("/v1/agent-auth/approve", object{{"token", token_}}, Session()), 400,
                      "INVALID_REQUEST", "decision"));
  EXPECT_TRUE(
      IsError(Post("/v1/agent-auth/approve",
                   object{{"token", token_}, {"decision", "approve"}, {"extra", 1}}, Session()),
              400, "INVALID_REQUEST", "extra"));
  ASSERT_TRUE(IsOk(Decide(token_, "approve", Session())));
  EXPECT_TRUE(IsError(Decide(token_, "approve", Session()), 400, "INVALID_REQUEST", "token"))
      << "decided once";
}

TEST_F(AgentAuthRoute, Approve401WithoutASession) {
  EXPECT_TRUE(IsError(Decide(token_, "approve", {}), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(IsError(Decide(token_, "approve", {{"Cookie", "keyward_session=garbage"}}), 401,
                      "UNAUTHORIZED"));
}

TEST_F(AgentAuthRoute, Approve403WithoutTheCsrfToken) {
  EXPECT_TRUE(IsError(Decide(token_, "approve", {{"Cookie", cookie_}}), 403, "FORBIDDEN"));
}

TEST_F(AgentAuthRoute, Approve401AnApiKeyIsNoSession) {
  CreatedKey sk = NewSecretKey();
  EXPECT_TRUE(IsError(Decide(token_, "approve", ApiKey(sk.key)), 401, "UNAUTHORIZED"));
}

TEST_F(AgentAuthRoute, Poll429FasterThanOncePerSecond) {
  ASSERT_TRUE(IsOk(Poll(token_)));
  Answer fast = Poll(token_);
  ASSERT_TRUE(IsError(fast, 429, "RATE_LIMITED"));
  EXPECT_TRUE(HeaderOf(fast, "Retry-After").has_value());
  env_.clock().AdvanceSeconds(1);
  EXPECT_TRUE(IsOk(Poll(token_)));
}

TEST_F(AgentAuthRoute, Get405) {
  Answer a = Get("/v1/agent-auth/approve", Session());
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "POST");
  Answer b = Post("/v1/agent-auth/token/" + token_, object{});
  EXPECT_TRUE(IsError(b, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(b, "Allow"), "GET");
}

}  // namespace
}  // namespace keyward::api_test
