// A real Caddy with forward_auth in front of a small upstream, configured exactly as
// docs/operations.md says ("Behind Caddy"), asking a real keyward (issue 17, API.md 10). Caddy
// sends the original method and URI as X-Forwarded-Method / X-Forwarded-Uri: route permissions,
// route limits and route costs must apply through it as in proxy mode.
#include <memory>

#include "caddy_process.h"
#include "harness.h"
#include "test_upstream.h"

namespace keyward_it {
namespace {

constexpr const char* kConfig = R"(
[[route]]
method = "POST"
path = "/v1/extractions"
permission = "extractions:write"
cost = 3
[[route]]
method = "GET"
path = "/v1/limited"
rate_limit = "2/min"
)";

class CaddyGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      upstream_ = std::make_unique<TestUpstream>();
      KeywardOptions options;
      options.config_toml = kConfig;
      keyward_ = std::make_unique<KeywardProcess>(options);
      const uint16_t port = PickFreePort();
      caddy_ = std::make_unique<CaddyProcess>(
          DocumentedCaddyfile(keyward_->port(), upstream_->port(), port), port);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    caddy_.reset();
    if (keyward_) keyward_->CheckSanitizerReports();
    keyward_.reset();
    upstream_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(caddy_) << "the gateway did not start: " << start_error_;
    direct_ = std::make_unique<HttpClient>(keyward_->port());
    gateway_ = std::make_unique<HttpClient>(caddy_->port());
  }
  void TearDown() override {
    if (HasFailure() && caddy_) std::fprintf(stderr, "caddy log:\n%s\n", caddy_->Log().c_str());
  }

  // A new live account with `credits` and a key of it (`key_body` as for POST /v1/tokens).
  std::pair<std::string, CreatedKey> NewKey(boost::json::object key_body = {},
                                            boost::json::value credits = nullptr) {
    const std::string account =
        CreateAccount(*direct_, keyward_->admin_key(), {{"credits", credits}});
    CreatedKey key =
        CreateKey(*direct_, AdminFor(keyward_->admin_key(), account), std::move(key_body));
    return {account, key};
  }
  int64_t Balance(const std::string& account) {
    Response r = direct_->Get("/v1/credits", AdminFor(keyward_->admin_key(), account));
    if (r.status != 200) throw std::runtime_error("credits: " + Describe(r));
    return AsInt(r.object()["balance"]);
  }

  static std::unique_ptr<TestUpstream> upstream_;
  static std::unique_ptr<KeywardProcess> keyward_;
  static std::unique_ptr<CaddyProcess> caddy_;
  static std::string start_error_;
  std::unique_ptr<HttpClient> direct_;
  std::unique_ptr<HttpClient> gateway_;
};

std::unique_ptr<TestUpstream> CaddyGatewayTest::upstream_;
std::unique_ptr<KeywardProcess> CaddyGatewayTest::keyward_;
std::unique_ptr<CaddyProcess> CaddyGatewayTest::caddy_;
std::string CaddyGatewayTest::start_error_;

const boost::json::array kReportsOnly{"reports:read"};
const boost::json::array kExtractions{"extractions:write"};

TEST_F(CaddyGatewayTest, ARestrictedKeyWithoutTheRoutesPermissionGets403AndNeverReachesTheApi) {
  auto [account, key] = NewKey({{"type", "restricted"}, {"permissions", kReportsOnly}});
  const int before = upstream_->hits("/v1/extractions");
  for (const char* target : {"/v1/extractions", "/v1/extractions?page=2", "/v1/%65xtractions"}) {
    Response r = gateway_->PostRaw(target, "{}", ApiKey(key.key));
    EXPECT_TRUE(IsError(r, 403, "FORBIDDEN")) << target;
    ExpectEachRateLimitHeaderOnce(r);
  }
  EXPECT_EQ(upstream_->hits("/v1/extractions"), before);
  // The same path with another method is not the protected route.
  Response get = gateway_->Get("/v1/extractions", ApiKey(key.key));
  EXPECT_EQ(get.status, 200) << Describe(get);
}

TEST_F(CaddyGatewayTest, AKeyWithThePermissionGetsThroughAndIsChargedTheRoutesCost) {
  auto [account, key] =
      NewKey({{"type", "restricted"}, {"permissions", kExtractions}}, boost::json::value(10));
  Response r = gateway_->PostRaw("/v1/extractions?page=2", R"({"doc":1})", Bearer(key.key));
  ASSERT_EQ(r.status, 200) << Describe(r);
  boost::json::object seen = r.object();
  EXPECT_EQ(AsString(seen["method"]), "POST");
  EXPECT_EQ(AsString(seen["target"]), "/v1/extractions?page=2");
  EXPECT_EQ(Balance(account), 7);
  // Three more credits are there for one more; then the balance is below the cost.
  ASSERT_EQ(gateway_->PostRaw("/v1/extractions", "{}", ApiKey(key.key)).status, 200);
  ASSERT_EQ(gateway_->PostRaw("/v1/extractions", "{}", ApiKey(key.key)).status, 200);
  EXPECT_EQ(Balance(account), 1);
  const int before = upstream_->hits("/v1/extractions");
  EXPECT_TRUE(
      IsError(gateway_->PostRaw("/v1/extractions", "{}", ApiKey(key.key)), 403, "QUOTA_EXCEEDED"));
  EXPECT_EQ(upstream_->hits("/v1/extractions"), before);
  EXPECT_EQ(Balance(account), 1);
}

TEST_F(CaddyGatewayTest, TheUpstreamSeesWhoIsCallingAndNeverTheKey) {
  auto [account, key] = NewKey({{"type", "restricted"}, {"permissions", kExtractions}});
  const Headers forged = {{"X-Keyward-Account", "acct_forged"}, {"X-Keyward-Permissions", "*"}};
  for (const Headers& cred : {ApiKey(key.key), Bearer(key.key)}) {
    Response r = gateway_->Get("/v1/things?x=1", Join(cred, forged));
    ASSERT_EQ(r.status, 200) << Describe(r);
    boost::json::object seen = r.object();
    EXPECT_EQ(AsString(seen["target"]), "/v1/things?x=1");
    const boost::json::object& h = seen["headers"].as_object();
    EXPECT_EQ(AsString(h.at("x-keyward-account")), account);
    EXPECT_EQ(AsString(h.at("x-keyward-token-id")), key.id);
    EXPECT_EQ(AsString(h.at("x-keyward-permissions")), "extractions:write");
    EXPECT_EQ(AsString(h.at("x-keyward-livemode")), "true");
    EXPECT_EQ(AsString(h.at("x-keyward-sandbox")), "false");
    EXPECT_FALSE(h.contains("x-api-key")) << boost::json::serialize(h);
    EXPECT_FALSE(h.contains("authorization")) << boost::json::serialize(h);
    EXPECT_FALSE(h.contains("x-ratelimit-limit")) << boost::json::serialize(h);
    // The client gets the rate-limit headers of keyward's answer.
    EXPECT_EQ(r.header("X-RateLimit-Limit"), "150");
    ExpectEachRateLimitHeaderOnce(r);
  }
}

TEST_F(CaddyGatewayTest, TheRouteLimitIsReachedThroughTheGateway) {
  auto [account, key] = NewKey();
  for (int i = 0; i < 2; ++i) {
    Response ok = gateway_->Get("/v1/limited", ApiKey(key.key));
    ASSERT_EQ(ok.status, 200) << i << " " << Describe(ok);
    EXPECT_EQ(ok.header("X-RateLimit-Limit"), "2");
  }
  const int before = upstream_->hits("/v1/limited");
  Response r = gateway_->Get("/v1/limited?again=1", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 429, "RATE_LIMITED"));
  ASSERT_TRUE(r.has_header("Retry-After")) << Describe(r);
  EXPECT_GE(IntHeader(r, "Retry-After"), 1);
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "0");
  ExpectEachRateLimitHeaderOnce(r);
  EXPECT_EQ(upstream_->hits("/v1/limited"), before);
  // Other paths are not limited by the route's own limit.
  EXPECT_EQ(gateway_->Get("/v1/things", ApiKey(key.key)).status, 200);
}

TEST_F(CaddyGatewayTest, NoKeyGetsKeywardsJson401AndAPathThatCouldEscapeGets400) {
  Response r = gateway_->Get("/v1/things");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"keyward\"");
  auto [account, key] = NewKey();
  Response escape = gateway_->Get("/v1/public/%2e%2e/extractions", ApiKey(key.key));
  EXPECT_TRUE(IsError(escape, 400, "INVALID_REQUEST")) << Describe(escape);
}

}  // namespace
}  // namespace keyward_it
