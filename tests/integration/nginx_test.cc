// A real nginx with auth_request in front of a small upstream, configured exactly as
// docs/operations.md says ("Behind nginx"), asking a real keyward (issue 5).
#include <memory>

#include "harness.h"
#include "nginx_process.h"
#include "test_upstream.h"

namespace keyward_it {
namespace {

constexpr const char* kConfig = R"(
[plans.tiny]
rate_limit = "2/min"
[[route]]
method = "POST"
path = "/v1/orders"
permission = "orders:write"
)";

class NginxGatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      upstream_ = std::make_unique<TestUpstream>();
      KeywardOptions options;
      options.config_toml = kConfig;
      keyward_ = std::make_unique<KeywardProcess>(options);
      const uint16_t port = PickFreePort();
      nginx_ = std::make_unique<NginxProcess>(
          DocumentedNginxConfig(keyward_->port(), upstream_->port(), port), port);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    nginx_.reset();
    if (keyward_) keyward_->CheckSanitizerReports();
    keyward_.reset();
    upstream_.reset();
  }
  void SetUp() override {
    ASSERT_TRUE(nginx_) << "the gateway did not start: " << start_error_;
    direct_ = std::make_unique<HttpClient>(keyward_->port());
    gateway_ = std::make_unique<HttpClient>(nginx_->port());
  }
  void TearDown() override {
    if (HasFailure() && nginx_)
      std::fprintf(stderr, "nginx error log:\n%s\n", nginx_->ErrorLog().c_str());
  }

  // A new account (on `plan`) and a secret test-mode key of it.
  std::pair<std::string, CreatedKey> NewKey(const std::string& plan = "default",
                                            boost::json::object key_body = {}) {
    const std::string account = CreateAccount(*direct_, keyward_->admin_key(), {{"plan", plan}});
    CreatedKey key =
        CreateKey(*direct_, AdminFor(keyward_->admin_key(), account), std::move(key_body));
    return {account, key};
  }

  static std::unique_ptr<TestUpstream> upstream_;
  static std::unique_ptr<KeywardProcess> keyward_;
  static std::unique_ptr<NginxProcess> nginx_;
  static std::string start_error_;
  std::unique_ptr<HttpClient> direct_;
  std::unique_ptr<HttpClient> gateway_;
};

std::unique_ptr<TestUpstream> NginxGatewayTest::upstream_;
std::unique_ptr<KeywardProcess> NginxGatewayTest::keyward_;
std::unique_ptr<NginxProcess> NginxGatewayTest::nginx_;
std::string NginxGatewayTest::start_error_;

TEST_F(NginxGatewayTest, ValidKeyReachesTheUpstreamWithItsIdentityAndWithoutTheKey) {
  auto [account, key] = NewKey();
  Response r = gateway_->Get("/v1/things?x=1",
                             Join(ApiKey(key.key), {{"X-Keyward-Account", "acct_forged"}}));
  ASSERT_EQ(r.status, 200) << Describe(r);
  boost::json::object seen = r.object();
  EXPECT_EQ(AsString(seen["target"]), "/v1/things?x=1");
  const boost::json::object& h = seen["headers"].as_object();
  EXPECT_EQ(AsString(h.at("x-keyward-account")), account);
  EXPECT_EQ(AsString(h.at("x-keyward-token-id")), key.id);
  EXPECT_EQ(AsString(h.at("x-keyward-permissions")), "*");
  EXPECT_FALSE(h.contains("x-api-key")) << boost::json::serialize(h);
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "150");
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "149");
  ExpectEachRateLimitHeaderOnce(r);

  Response b = gateway_->Get("/v1/things", Bearer(key.key));
  ASSERT_EQ(b.status, 200) << Describe(b);
  boost::json::object bseen = b.object();
  const boost::json::object& bh = bseen["headers"].as_object();
  EXPECT_FALSE(bh.contains("authorization")) << boost::json::serialize(bh);
  EXPECT_EQ(AsString(bh.at("x-keyward-account")), account);
}

TEST_F(NginxGatewayTest, NoKeyGetsKeywardsJson401) {
  const int before = upstream_->hits("/v1/things");
  Response r = gateway_->Get("/v1/things");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_TRUE(r.has_header("WWW-Authenticate")) << Describe(r);
  EXPECT_EQ(upstream_->hits("/v1/things"), before);

  Response bad = gateway_->Get("/v1/things", ApiKey(MakeWellFormedKey("sk_test_")));
  EXPECT_TRUE(IsError(bad, 401, "UNAUTHORIZED"));
}

TEST_F(NginxGatewayTest, LimitedKeyGets429WithRetryAfterAndTheRateLimitHeaders) {
  auto [account, key] = NewKey("tiny");
  for (int i = 0; i < 2; ++i) {
    Response ok = gateway_->Get("/v1/limited", ApiKey(key.key));
    ASSERT_EQ(ok.status, 200) << Describe(ok);
    ExpectEachRateLimitHeaderOnce(ok);
  }
  const int before = upstream_->hits("/v1/limited");
  Response r = gateway_->Get("/v1/limited", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 429, "RATE_LIMITED"));
  ASSERT_TRUE(r.has_header("Retry-After")) << Describe(r);
  EXPECT_GE(std::stoll(*r.header("Retry-After")), 1);
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "0");
  ExpectEachRateLimitHeaderOnce(r);
  EXPECT_EQ(upstream_->hits("/v1/limited"), before);
}

TEST_F(NginxGatewayTest, ForbiddenKeepsKeywardsStatusAndBody) {
  auto [account, key] = NewKey(
      "default", {{"type", "restricted"}, {"permissions", boost::json::array{"orders:read"}}});
  Response r = gateway_->PostRaw("/v1/orders", "{}", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 403, "FORBIDDEN"));
  ExpectEachRateLimitHeaderOnce(r);
  EXPECT_EQ(upstream_->hits("/v1/orders"), 0);
}

// What the documented config relies on: the refusal's JSON in X-Keyward-Error, and no body at all
// with Prefer: return=minimal (so that nginx keeps its connections to keyward alive).
TEST_F(NginxGatewayTest, AuthSendsItsErrorInAHeaderAndNoBodyWhenAskedForMinimal) {
  Response refused = direct_->Get("/v1/auth", {{"X-Original-URI", "/v1/things"}});
  EXPECT_TRUE(IsError(refused, 401, "UNAUTHORIZED"));
  EXPECT_EQ(refused.header("X-Keyward-Error"), refused.body);

  Response minimal =
      direct_->Get("/v1/auth", {{"X-Original-URI", "/v1/things"}, {"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 401);
  EXPECT_EQ(minimal.body, "");
  EXPECT_EQ(minimal.header("Preference-Applied"), "return=minimal");
  ASSERT_TRUE(minimal.has_header("X-Keyward-Error"));
  boost::json::object e = boost::json::parse(*minimal.header("X-Keyward-Error")).as_object();
  EXPECT_EQ(AsString(e["error"].as_object()["code"]), "UNAUTHORIZED");

  auto [account, key] = NewKey();
  Response ok = direct_->Get("/v1/auth", Join(ApiKey(key.key), {{"Prefer", "return=minimal"}}));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "");
  EXPECT_EQ(ok.header("X-Keyward-Account"), account);
  ExpectEachRateLimitHeaderOnce(ok);
  Response full = direct_->Get("/v1/auth", ApiKey(key.key));
  EXPECT_EQ(full.body, R"({"valid":true})");
  EXPECT_FALSE(full.has_header("X-Keyward-Error"));
}

}  // namespace
}  // namespace keyward_it
