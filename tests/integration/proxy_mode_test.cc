// keyward as the gateway ([proxy] upstream, API.md 5): the same checks as behind nginx, plus
// streaming 50 MiB each way with flat memory, 502/504, idempotent POSTs, sandbox and test mode,
// credits (issue 5).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "harness.h"
#include "test_upstream.h"

namespace keyward_it {
namespace {

std::string ProxyConfig(const std::string& upstream, const std::string& extra = "") {
  return "[plans.tiny]\nrate_limit = \"2/min\"\n"
         "[proxy]\nupstream = \"" +
         upstream + "\"\ntimeout = 2\nmax_body = 60000000\n" + extra +
         "[[route]]\nmethod = \"POST\"\npath = \"/v1/orders\"\npermission = \"orders:write\"\n"
         "cost = 1\n";
}

int64_t VmRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  throw std::runtime_error("no VmRSS for pid " + std::to_string(pid));
}

class ProxyModeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      upstream_ = std::make_unique<TestUpstream>();
      test_upstream_ = std::make_unique<TestUpstream>();
      sandbox_file_ = (std::filesystem::temp_directory_path() /
                       ("keyward-sandbox-" + std::to_string(::getpid()) + ".json"))
                          .string();
      std::ofstream(sandbox_file_) << R"({"object":"extraction","sandbox":true})";
      KeywardOptions options;
      options.config_toml =
          ProxyConfig(upstream_->url(), "test_upstream = \"" + test_upstream_->url() + "\"\n") +
          "[[route]]\npath = \"/v1/extractions\"\nsandbox_response = \"" + sandbox_file_ + "\"\n";
      keyward_ = std::make_unique<KeywardProcess>(options);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    if (keyward_) keyward_->CheckSanitizerReports();
    keyward_.reset();
    upstream_.reset();
    test_upstream_.reset();
    std::error_code ec;
    std::filesystem::remove(sandbox_file_, ec);
  }
  void SetUp() override {
    ASSERT_TRUE(keyward_) << "keyward in proxy mode did not start: " << start_error_;
    client_ = std::make_unique<HttpClient>(keyward_->port(), std::chrono::seconds(60));
  }

  std::pair<std::string, CreatedKey> NewKey(boost::json::object account_body = {},
                                            boost::json::object key_body = {}) {
    const std::string account =
        CreateAccount(*client_, keyward_->admin_key(), std::move(account_body));
    CreatedKey key =
        CreateKey(*client_, AdminFor(keyward_->admin_key(), account), std::move(key_body));
    return {account, key};
  }
  std::optional<int64_t> Balance(const std::string& account) {
    Response r = client_->Get("/v1/credits", AdminFor(keyward_->admin_key(), account));
    if (r.status != 200) throw std::runtime_error("GET /v1/credits: " + Describe(r));
    auto o = r.object();
    if (o["balance"].is_null()) return std::nullopt;
    return AsInt(o["balance"]);
  }

  static std::unique_ptr<TestUpstream> upstream_;
  static std::unique_ptr<TestUpstream> test_upstream_;  // proxy.test_upstream
  static std::unique_ptr<KeywardProcess> keyward_;
  static std::string start_error_;
  static std::string sandbox_file_;
  std::unique_ptr<HttpClient> client_;
};

std::unique_ptr<TestUpstream> ProxyModeTest::upstream_;
std::unique_ptr<TestUpstream> ProxyModeTest::test_upstream_;
std::unique_ptr<KeywardProcess> ProxyModeTest::keyward_;
std::string ProxyModeTest::start_error_;
std::string ProxyModeTest::sandbox_file_;

TEST_F(ProxyModeTest, ValidKeyReachesTheUpstreamWithItsIdentityAndWithoutTheKey) {
  auto [account, key] = NewKey();
  Response r =
      client_->Get("/v1/things?x=1", Join(ApiKey(key.key), {{"X-Keyward-Account", "acct_forged"},
                                                            {"x-keyward-sandbox", "true"},
                                                            {"Connection", "keep-alive, X-Hop"},
                                                            {"X-Hop", "secret"},
                                                            {"X-Forwarded-For", "203.0.113.7"},
                                                            {"Accept", "application/json"}}));
  ASSERT_EQ(r.status, 200) << Describe(r);
  boost::json::object seen = r.object();
  EXPECT_EQ(AsString(seen["method"]), "GET");
  EXPECT_EQ(AsString(seen["target"]), "/v1/things?x=1");
  const boost::json::object& h = seen["headers"].as_object();
  EXPECT_EQ(AsString(h.at("x-keyward-account")), account);
  EXPECT_EQ(AsString(h.at("x-keyward-token-id")), key.id);
  EXPECT_EQ(AsString(h.at("x-keyward-permissions")), "*");
  EXPECT_EQ(AsString(h.at("x-keyward-livemode")), "true");
  EXPECT_EQ(AsString(h.at("x-keyward-sandbox")), "false");
  EXPECT_EQ(AsString(h.at("x-forwarded-for")), "203.0.113.7, 127.0.0.1");
  EXPECT_EQ(AsString(h.at("x-forwarded-proto")), "http");
  EXPECT_EQ(AsString(h.at("accept")), "application/json");
  EXPECT_EQ(AsString(h.at("x-request-id")), r.header("X-Request-Id").value_or("?"));
  for (const char* gone : {"x-api-key", "x-hop", "connection", "keep-alive"}) {
    EXPECT_FALSE(h.contains(gone)) << gone << " in " << boost::json::serialize(h);
  }
  EXPECT_EQ(r.header("X-Upstream"), "test");
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "150");
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "149");
  ExpectEachRateLimitHeaderOnce(r);

  Response b = client_->Get("/v1/things", Bearer(key.key));
  ASSERT_EQ(b.status, 200) << Describe(b);
  EXPECT_FALSE(b.object()["headers"].as_object().contains("authorization"));
}

TEST_F(ProxyModeTest, NoKeyGetsJson401AndNeverReachesTheUpstream) {
  const int before = upstream_->hits("/v1/secret");
  Response r = client_->Get("/v1/secret");
  EXPECT_TRUE(IsError(r, 401, "UNAUTHORIZED"));
  EXPECT_TRUE(r.has_header("WWW-Authenticate"));
  Response bad = client_->Get("/v1/secret", ApiKey(MakeWellFormedKey("sk_test_")));
  EXPECT_TRUE(IsError(bad, 401, "UNAUTHORIZED"));
  EXPECT_EQ(upstream_->hits("/v1/secret"), before);
}

TEST_F(ProxyModeTest, LimitedKeyGets429WithRetryAfterAndTheRateLimitHeaders) {
  auto [account, key] = NewKey({{"plan", "tiny"}});
  for (int i = 0; i < 2; ++i) {
    Response ok = client_->Get("/v1/limited", ApiKey(key.key));
    ASSERT_EQ(ok.status, 200) << Describe(ok);
    ExpectEachRateLimitHeaderOnce(ok);
  }
  const int before = upstream_->hits("/v1/limited");
  Response r = client_->Get("/v1/limited", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 429, "RATE_LIMITED"));
  ASSERT_TRUE(r.has_header("Retry-After"));
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "0");
  ExpectEachRateLimitHeaderOnce(r);
  EXPECT_EQ(upstream_->hits("/v1/limited"), before);
}

TEST_F(ProxyModeTest, KeywardsOwnPathsAreNotForwardedButTheRootIs) {
  Response r = client_->Get("/healthz");
  ASSERT_EQ(r.status, 200) << Describe(r);
  EXPECT_FALSE(r.has_header("X-Upstream"));
  EXPECT_EQ(upstream_->hits("/healthz"), 0);
  auto [account, key] = NewKey();
  Response root = client_->Get("/", ApiKey(key.key));
  ASSERT_EQ(root.status, 200) << Describe(root);
  EXPECT_EQ(root.header("X-Upstream"), "test");
}

TEST_F(ProxyModeTest, ABodyOverProxyMaxBodyGets413BeforeItIsSent) {
  auto [account, key] = NewKey();
  HttpClient c(keyward_->port());
  ASSERT_TRUE(c.SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nx-api-key: " + key.key +
                        "\r\nContent-Length: 70000000\r\n\r\n"));
  Response r = c.ReadResponse();
  EXPECT_TRUE(IsError(r, 413, "PAYLOAD_TOO_LARGE"));
}

// The harness client cannot read a 1xx answer, so this one speaks raw bytes.
TEST_F(ProxyModeTest, ExpectContinueIsAnsweredByKeyward) {
  auto [account, key] = NewKey();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(keyward_->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto send_all = [fd](const std::string& s) {
    return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  };
  auto read_until = [fd](const std::string& marker) {
    std::string got;
    char buf[4096];
    while (got.find(marker) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  };
  ASSERT_TRUE(send_all("POST /echo-continue HTTP/1.1\r\nHost: x\r\nx-api-key: " + key.key +
                       "\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  const std::string interim = read_until("\r\n\r\n");
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(send_all("ping"));
  const std::string final_answer = read_until("}");
  ::close(fd);
  EXPECT_EQ(final_answer.rfind("HTTP/1.1 200", 0), 0u) << final_answer;
  EXPECT_NE(final_answer.find("\"body_bytes\":4"), std::string::npos) << final_answer;
  EXPECT_EQ(final_answer.find("\"expect\""), std::string::npos) << final_answer;
}

TEST_F(ProxyModeTest, DotSegmentsAreRefused) {
  auto [account, key] = NewKey();
  Response r = client_->Get("/v1/things/../orders", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 400, "INVALID_REQUEST"));
  Response e = client_->Get("/v1/things/%2e%2e/orders", ApiKey(key.key));
  EXPECT_TRUE(IsError(e, 400, "INVALID_REQUEST"));
}

// The route is matched on the same normalised path as GET /v1/auth's (API.md 10): an encoded
// character or a doubled slash does not get past the route's permission, and a client's own
// X-Original-* / X-Forwarded-* headers never name another request.
TEST_F(ProxyModeTest, RoutesMatchTheNormalisedPathAndIgnoreAClientsGatewayHeaders) {
  auto [account, key] =
      NewKey({}, {{"type", "restricted"}, {"permissions", boost::json::array{"orders:read"}}});
  const int before = upstream_->hits("/v1/orders");
  for (const char* target : {"/v1/%6frders", "//v1//orders", "/v1/orders?x=1"}) {
    Response r = client_->PostRaw(target, "{}", ApiKey(key.key));
    EXPECT_TRUE(IsError(r, 403, "FORBIDDEN")) << target << " " << Describe(r);
  }
  Response spoofed = client_->PostRaw("/v1/orders", "{}",
                                      Join(ApiKey(key.key), {{"X-Original-Method", "GET"},
                                                             {"X-Original-URI", "/v1/things"},
                                                             {"X-Forwarded-Method", "GET"},
                                                             {"X-Forwarded-Uri", "/v1/things"}}));
  EXPECT_TRUE(IsError(spoofed, 403, "FORBIDDEN")) << Describe(spoofed);
  EXPECT_EQ(upstream_->hits("/v1/orders"), before);
}

// Streaming keeps keyward's memory flat: 50 MiB through grows RSS by less than 20 MiB. Not
// asserted under AddressSanitizer: its quarantine holds every freed buffer (256 MiB by default),
// so RSS there measures the allocator's churn, not what keyward keeps (with quarantine_size_mb=0
// the same run grows ~5 MiB).
void ExpectFlatMemory(int64_t before_kib, int64_t after_kib) {
#if defined(__SANITIZE_ADDRESS__)
  constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  constexpr bool kAddressSanitizer = true;
#else
  constexpr bool kAddressSanitizer = false;
#endif
#else
  constexpr bool kAddressSanitizer = false;
#endif
  if (kAddressSanitizer) return;
  EXPECT_LT(after_kib - before_kib, 20 * 1024)
      << "RSS grew from " << before_kib << " KiB to " << after_kib << " KiB";
}

TEST_F(ProxyModeTest, StreamsA50MiBUploadWithFlatMemory) {
  auto [account, key] = NewKey();
  ASSERT_EQ(client_->Get("/v1/warm", ApiKey(key.key)).status, 200);
  const int64_t before = VmRssKiB(keyward_->pid());
  constexpr size_t kSize = 50 * 1024 * 1024;
  std::string body(kSize, '\0');
  for (size_t i = 0; i < kSize; ++i) body[i] = PatternByte(i * 7);
  const std::string fnv = Hex64(Fnv1a(body.data(), body.size()));
  Response r = client_->Request(
      "POST", "/upload", Join(ApiKey(key.key), {{"Content-Type", "application/octet-stream"}}),
      std::move(body));
  ASSERT_EQ(r.status, 200) << Describe(r);
  boost::json::object seen = r.object();
  EXPECT_EQ(AsInt(seen["body_bytes"]), static_cast<int64_t>(kSize));
  EXPECT_EQ(AsString(seen["body_fnv"]), fnv);
  const int64_t after = VmRssKiB(keyward_->pid());
  std::printf("50 MiB through the proxy: keyward VmRSS %lld KiB before, %lld KiB after\n",
              static_cast<long long>(before), static_cast<long long>(after));
  ExpectFlatMemory(before, after);
}

TEST_F(ProxyModeTest, StreamsA50MiBDownloadWithFlatMemory) {
  auto [account, key] = NewKey();
  ASSERT_EQ(client_->Get("/v1/warm", ApiKey(key.key)).status, 200);
  const int64_t before = VmRssKiB(keyward_->pid());
  constexpr size_t kSize = 50 * 1024 * 1024;
  Response r = client_->Get("/big?bytes=" + std::to_string(kSize), ApiKey(key.key));
  ASSERT_EQ(r.status, 200) << r.status;
  ASSERT_EQ(r.body.size(), kSize);
  size_t wrong = 0;
  for (size_t i = 0; i < kSize; i += 4093) wrong += r.body[i] != PatternByte(i);
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(r.header("Content-Length"), std::to_string(kSize));
  ExpectEachRateLimitHeaderOnce(r);
  const int64_t after = VmRssKiB(keyward_->pid());
  std::printf("50 MiB through the proxy: keyward VmRSS %lld KiB before, %lld KiB after\n",
              static_cast<long long>(before), static_cast<long long>(after));
  ExpectFlatMemory(before, after);
}

TEST_F(ProxyModeTest, ChunkedResponsesAndRequestsAreReframed) {
  auto [account, key] = NewKey();
  Response r = client_->Get("/chunked?bytes=300001", ApiKey(key.key));
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.body.size(), 300001u);
  EXPECT_EQ(r.body[300000], PatternByte(300000));

  std::string raw = "POST /echo HTTP/1.1\r\nHost: x\r\nx-api-key: " + key.key +
                    "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  HttpClient c(keyward_->port());
  ASSERT_TRUE(c.SendRaw(raw));
  Response e = c.ReadResponse();
  ASSERT_EQ(e.status, 200) << Describe(e);
  EXPECT_EQ(AsInt(e.object()["body_bytes"]), 11);
  EXPECT_EQ(AsString(e.object()["body_fnv"]), Hex64(Fnv1a("hello world", 11)));
}

TEST_F(ProxyModeTest, ASlowUpstreamGets504) {
  auto [account, key] = NewKey();
  Response r = client_->Get("/slow?ms=6000", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 504, "GATEWAY_TIMEOUT"));
  ExpectEachRateLimitHeaderOnce(r);
  // The connection is still good for the next request.
  EXPECT_EQ(client_->Get("/v1/after-timeout", ApiKey(key.key)).status, 200);
}

TEST_F(ProxyModeTest, AnIdempotentPostRetriedThreeTimesReachesTheUpstreamOnce) {
  auto [account, key] = NewKey({{"credits", 10}});
  const Headers h = Join(ApiKey(key.key), {{"Idempotency-Key", "order-" + RandomBase62(12)}});
  const int before = upstream_->hits("/v1/orders");
  Response first = client_->PostRaw("/v1/orders", R"({"item":"book"})", h);
  ASSERT_EQ(first.status, 200) << Describe(first);
  EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
  for (int i = 0; i < 3; ++i) {
    Response again = client_->PostRaw("/v1/orders", R"({"item":"book"})", h);
    ASSERT_EQ(again.status, 200) << Describe(again);
    EXPECT_EQ(again.body, first.body);
    EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
    EXPECT_EQ(again.header("Content-Type"), "application/json");
    ExpectEachRateLimitHeaderOnce(again);
  }
  EXPECT_EQ(upstream_->hits("/v1/orders"), before + 1);
  EXPECT_EQ(Balance(account), 9);  // charged once

  Response other = client_->PostRaw("/v1/orders", R"({"item":"pen"})", h);
  EXPECT_TRUE(IsError(other, 422, "IDEMPOTENCY_KEY_REUSED"));
  EXPECT_EQ(upstream_->hits("/v1/orders"), before + 1);
}

TEST_F(ProxyModeTest, AQuotaBelowTheCostIsRefusedBeforeTheUpstream) {
  auto [account, key] = NewKey({{"credits", 0}});
  const int before = upstream_->hits("/v1/orders");
  Response r = client_->PostRaw("/v1/orders", "{}", ApiKey(key.key));
  EXPECT_TRUE(IsError(r, 403, "QUOTA_EXCEEDED"));
  EXPECT_EQ(upstream_->hits("/v1/orders"), before);
}

TEST_F(ProxyModeTest, SandboxGetsTheRouteFileOrTheUpstream) {
  const int before = upstream_->hits("/v1/extractions");
  Response file = client_->Get("/v1/extractions", ApiKey("sandbox-with-json-responses"));
  ASSERT_EQ(file.status, 200) << Describe(file);
  EXPECT_EQ(file.body, R"({"object":"extraction","sandbox":true})");
  ExpectEachRateLimitHeaderOnce(file);
  EXPECT_EQ(upstream_->hits("/v1/extractions"), before);

  // No file for this route and no sandbox_upstream: the test upstream gets it.
  Response up = client_->Get("/v1/other", ApiKey("sandbox-with-json-responses"));
  ASSERT_EQ(up.status, 200) << Describe(up);
  EXPECT_EQ(AsString(up.object()["headers"].as_object().at("x-keyward-sandbox")), "true");
  EXPECT_EQ(test_upstream_->hits("/v1/other"), 1);
  EXPECT_EQ(upstream_->hits("/v1/other"), 0);
}

TEST_F(ProxyModeTest, TestModeKeysGoToTheTestUpstream) {
  auto [account, test_key] = NewKey({}, {{"livemode", false}});
  auto live_key =
      CreateKey(*client_, AdminFor(keyward_->admin_key(), account), {{"livemode", true}});
  ASSERT_EQ(client_->Get("/v1/mode", ApiKey(test_key.key)).status, 200);
  EXPECT_EQ(test_upstream_->hits("/v1/mode"), 1);
  EXPECT_EQ(upstream_->hits("/v1/mode"), 0);
  Response live = client_->Get("/v1/mode", ApiKey(live_key.key));
  ASSERT_EQ(live.status, 200);
  EXPECT_EQ(AsString(live.object()["headers"].as_object().at("x-keyward-livemode")), "true");
  EXPECT_EQ(upstream_->hits("/v1/mode"), 1);
  EXPECT_EQ(test_upstream_->hits("/v1/mode"), 1);
}

TEST(ProxyModeUnreachable, AnUnreachableUpstreamGets502AndIsNotCharged) {
  const uint16_t closed = PickFreePort();  // nothing listens there
  KeywardOptions options;
  options.config_toml = ProxyConfig("http://127.0.0.1:" + std::to_string(closed));
  KeywardProcess keyward(options);
  HttpClient c = keyward.Client();
  const std::string account = CreateAccount(c, keyward.admin_key(), {{"credits", 5}});
  CreatedKey key = CreateKey(c, AdminFor(keyward.admin_key(), account), {{"livemode", true}});
  for (int i = 0; i < 2; ++i) {
    Response r = c.PostRaw("/v1/orders", "{}", ApiKey(key.key));
    EXPECT_TRUE(IsError(r, 502, "BAD_GATEWAY"));
    ExpectEachRateLimitHeaderOnce(r);
  }
  Response credits = c.Get("/v1/credits", AdminFor(keyward.admin_key(), account));
  ASSERT_EQ(credits.status, 200) << Describe(credits);
  EXPECT_EQ(AsInt(credits.object()["balance"]), 5);
  keyward.CheckSanitizerReports();
}

}  // namespace
}  // namespace keyward_it
