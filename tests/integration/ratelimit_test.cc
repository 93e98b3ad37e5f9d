// API.md 1.3 and 4: rate-limit headers, 429 RATE_LIMITED with Retry-After, per-key and route
// limits. The plan allows 3 requests per minute, so nothing here refills during a test (one request
// per 20 s) unless the machine stalls for that long.
#include <map>
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

const char* kRateConfig = R"toml(
[plans.default]
rate_limit = "3/min"

[[route]]
method = "POST"
path = "/v1/extractions"
rate_limit = "2/min"

[[route]]
method = "GET"
path = "/v1/public/*"
publishable = true
)toml";

// Parses `"name";k1=v1;k2=v2` (an RFC 8941 item with integer parameters).
struct Item {
  std::string name;
  std::map<std::string, int64_t> params;
};
std::optional<Item> ParseItem(const std::string& s) {
  if (s.size() < 2 || s[0] != '"') return std::nullopt;
  size_t q = s.find('"', 1);
  if (q == std::string::npos) return std::nullopt;
  Item item;
  item.name = s.substr(1, q - 1);
  size_t pos = q + 1;
  while (pos < s.size()) {
    if (s[pos] != ';') return std::nullopt;
    size_t eq = s.find('=', pos);
    if (eq == std::string::npos) return std::nullopt;
    size_t end = s.find(';', eq);
    if (end == std::string::npos) end = s.size();
    try {
      item.params[s.substr(pos + 1, eq - pos - 1)] = std::stoll(s.substr(eq + 1, end - eq - 1));
    } catch (...) {
      return std::nullopt;
    }
    pos = end;
  }
  return item;
}

// Checks the five headers of API.md 1.3 for a per-key limit of `limit` per 60 s with `remaining`.
void ExpectRateLimitHeaders(const Response& r, int64_t limit, int64_t remaining) {
  SCOPED_TRACE(Describe(r));
  int64_t now = Now();
  EXPECT_EQ(IntHeader(r, "X-RateLimit-Limit"), limit);
  EXPECT_EQ(IntHeader(r, "X-RateLimit-Remaining"), remaining);
  int64_t reset = IntHeader(r, "X-RateLimit-Reset");
  EXPECT_GE(reset, now - 2) << "Unix seconds";
  EXPECT_LE(reset, now + 60 + 5) << "Unix seconds when the budget is full again";

  auto policy = ParseItem(r.header("RateLimit-Policy").value_or(""));
  ASSERT_TRUE(policy.has_value()) << "RateLimit-Policy: "
                                  << r.header("RateLimit-Policy").value_or("<none>");
  EXPECT_EQ(policy->name, "per-key");
  EXPECT_EQ(policy->params["q"], limit);
  EXPECT_EQ(policy->params["w"], 60);

  auto rl = ParseItem(r.header("RateLimit").value_or(""));
  ASSERT_TRUE(rl.has_value()) << "RateLimit: " << r.header("RateLimit").value_or("<none>");
  EXPECT_EQ(rl->name, "per-key");
  EXPECT_EQ(rl->params.count("r"), 1u);
  EXPECT_EQ(rl->params["r"], remaining);
  EXPECT_EQ(rl->params.count("t"), 1u);
  EXPECT_GE(rl->params["t"], 0);
  EXPECT_LE(rl->params["t"], 60);
}

class RateLimitTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kRateConfig}); }
  static void TearDownTestSuite() { StopShared(); }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    as_admin_ = AdminFor(admin(), CreateAccount(client(), admin()));
  }
  Headers as_admin_;
};

TEST_F(RateLimitTest, AuthResponsesCarryHeadersAndTheFourthRequestIs429) {
  CreatedKey k = CreateKey(client(), as_admin_);
  for (int i = 0; i < 3; ++i) {
    Response r = Auth(client(), k.key);
    ASSERT_EQ(r.status, 200) << "request " << i + 1 << ": " << Describe(r);
    ExpectRateLimitHeaders(r, 3, 2 - i);
  }
  Response r = Auth(client(), k.key);
  EXPECT_TRUE(IsError(r, 429, "RATE_LIMITED"));
  ASSERT_TRUE(r.has_header("Retry-After")) << Describe(r);
  int64_t retry = IntHeader(r, "Retry-After");
  EXPECT_GE(retry, 1);
  EXPECT_LE(retry, 60);
  ExpectRateLimitHeaders(r, 3, 0);
  EXPECT_FALSE(r.has_header("X-Keyward-Account")) << "a refused request is not forwarded";
}

TEST_F(RateLimitTest, VerifyConsumesTheVerifiedKeysLimit) {
  CreatedKey k = CreateKey(client(), as_admin_);
  for (int i = 0; i < 3; ++i) {
    Response r = Verify(client(), k.key);
    ASSERT_TRUE(IsOk(r));
    auto o = r.object();
    EXPECT_EQ(o.at("code"), "VALID") << Describe(r);
    EXPECT_EQ(AsInt(o.at("ratelimit").at("limit")), 3);
    EXPECT_EQ(AsInt(o.at("ratelimit").at("remaining")), 2 - i);
  }
  Response r = Verify(client(), k.key);
  ASSERT_EQ(r.status, 200) << Describe(r);
  auto o = r.object();
  EXPECT_EQ(o.at("valid"), false) << Describe(r);
  EXPECT_EQ(o.at("code"), "RATE_LIMITED") << Describe(r);
  ASSERT_TRUE(o.contains("ratelimit")) << Describe(r);
  EXPECT_EQ(AsInt(o.at("ratelimit").at("remaining")), 0);
  // And /v1/auth agrees: the same budget is spent.
  EXPECT_TRUE(IsError(Auth(client(), k.key), 429, "RATE_LIMITED"));
}

TEST_F(RateLimitTest, LimitsArePerKey) {
  CreatedKey a = CreateKey(client(), as_admin_);
  CreatedKey b = CreateKey(client(), as_admin_);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Auth(client(), a.key).status, 200);
  EXPECT_EQ(Auth(client(), a.key).status, 429);
  Response rb = Auth(client(), b.key);
  ASSERT_EQ(rb.status, 200) << "another key of the same account has its own budget: "
                            << Describe(rb);
  ExpectRateLimitHeaders(rb, 3, 2);
}

TEST_F(RateLimitTest, ManagementCallsCountAndCarryHeaders) {
  CreatedKey k = CreateKey(client(), as_admin_);
  Response list = client().Get("/v1/tokens", ApiKey(k.key));
  ASSERT_TRUE(IsOk(list));
  ExpectRateLimitHeaders(list, 3, 2);
  ASSERT_EQ(Auth(client(), k.key).status, 200);
  ASSERT_EQ(Auth(client(), k.key).status, 200);
  EXPECT_TRUE(IsError(client().Get("/v1/tokens", ApiKey(k.key)), 429, "RATE_LIMITED"));
}

TEST_F(RateLimitTest, ForbiddenResponsesCarryHeaders) {
  CreatedKey pk = CreateKey(client(), as_admin_, {{"type", "publishable"}});
  Response r = Auth(client(), pk.key, "GET", "/v1/things");
  EXPECT_TRUE(IsError(r, 403, "FORBIDDEN"));
  EXPECT_TRUE(r.has_header("X-RateLimit-Limit")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-RateLimit-Remaining")) << Describe(r);
  EXPECT_TRUE(r.has_header("X-RateLimit-Reset")) << Describe(r);
  EXPECT_TRUE(r.has_header("RateLimit-Policy")) << Describe(r);
  EXPECT_TRUE(r.has_header("RateLimit")) << Describe(r);
  Response ok = Auth(client(), pk.key, "GET", "/v1/public/x");
  EXPECT_EQ(ok.status, 200) << Describe(ok);
  EXPECT_TRUE(ok.has_header("X-RateLimit-Remaining")) << Describe(ok);
}

TEST_F(RateLimitTest, UnauthenticatedResponsesCarryNoLimitHeaders) {
  Response r = Auth(client(), "");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_FALSE(r.has_header("Retry-After"));
  Response h = client().Get("/healthz");
  EXPECT_FALSE(h.has_header("X-RateLimit-Limit")) << Describe(h);
}

TEST_F(RateLimitTest, RouteLimitAppliesOnTopAndTheTightestIsReported) {
  CreatedKey k = CreateKey(client(), as_admin_);
  Response r1 = Auth(client(), k.key, "POST", "/v1/extractions");
  ASSERT_EQ(r1.status, 200) << Describe(r1);
  EXPECT_EQ(IntHeader(r1, "X-RateLimit-Limit"), 2) << "the route limit has the fewest remaining";
  EXPECT_EQ(IntHeader(r1, "X-RateLimit-Remaining"), 1);
  Response r2 = Auth(client(), k.key, "POST", "/v1/extractions");
  ASSERT_EQ(r2.status, 200) << Describe(r2);
  EXPECT_EQ(IntHeader(r2, "X-RateLimit-Limit"), 2);
  EXPECT_EQ(IntHeader(r2, "X-RateLimit-Remaining"), 0);
  Response r3 = Auth(client(), k.key, "POST", "/v1/extractions");
  EXPECT_TRUE(IsError(r3, 429, "RATE_LIMITED"));
  EXPECT_TRUE(r3.has_header("Retry-After")) << Describe(r3);
}

}  // namespace
}  // namespace keyward_it
