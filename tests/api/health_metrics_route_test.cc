// /healthz, /readyz (API.md 7) and /metrics, in process. The integration suite (server_test.cc,
// metrics_test.cc) is the oracle.
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

class HealthRoute : public RouteTest {};

TEST_F(HealthRoute, Healthz200WithoutACredential) {
  Answer a = Get("/healthz");
  EXPECT_EQ(a.status(), 200);
  EXPECT_EQ(a.response.body, R"({"status":"ok"})");
  EXPECT_EQ(a.response.content_type, "application/json");
}

TEST_F(HealthRoute, Readyz200OnceTheIndexIsLoaded) {
  Answer a = Get("/readyz");
  EXPECT_EQ(a.status(), 200) << Describe(a);
  EXPECT_EQ(a.response.body, R"({"status":"ok"})");
}

TEST_F(HealthRoute, Healthz405) {
  Answer a = Post("/healthz", boost::json::object{});
  EXPECT_TRUE(IsError(a, 405, "METHOD_NOT_ALLOWED"));
  EXPECT_EQ(HeaderOf(a, "Allow"), "GET");
}

TEST_F(HealthRoute, Metrics200CountsEachVerificationOutcomeOnce) {
  CreatedKey sk = NewSecretKey();
  ASSERT_EQ(Get("/v1/auth", ApiKey(sk.key)).status(), 200);
  ASSERT_EQ(Get("/v1/auth", ApiKey(sk.key)).status(), 200);
  ASSERT_EQ(Get("/v1/auth", ApiKey(WellFormedKey("sk_live_"))).status(), 401);
  Answer m = Get("/metrics");
  ASSERT_EQ(m.status(), 200);
  EXPECT_EQ(m.response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = m.response.body;
  EXPECT_NE(text.find("keyward_verifications_total{outcome=\"VALID\"} 2\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("keyward_verifications_total{outcome=\"UNAUTHORIZED\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("keyward_ready 1\n"), std::string::npos) << text;
}

TEST_F(HealthRoute, Metrics404OutsideAllowFromWithoutAnAdminKey) {
  Request r;
  r.target = "/metrics";
  r.peer = "198.51.100.1";
  EXPECT_TRUE(IsError(env_.Call(r), 404, "NOT_FOUND"));
  r.headers = {{"Keyward-Admin-Key", admin()}};
  EXPECT_EQ(env_.Call(r).status(), 200);
}

}  // namespace
}  // namespace keyward::api_test
