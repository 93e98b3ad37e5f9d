// API.md 1.3 and 4: limits and credits are exact under concurrency and survive restarts.
#include <atomic>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

// `n` threads, each on its own connection, send one GET /v1/auth at the same moment.
std::map<int, int> Burst(KeywardProcess& server, const std::string& key, int n,
                         std::string_view uri = "/v1/things") {
  std::vector<std::thread> threads;
  std::vector<int> statuses(n);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = server.Client();
      (void)c.Get("/healthz");  // connected before the burst
      ++ready;
      while (!go.load()) std::this_thread::yield();
      statuses[i] = Auth(c, key, "GET", uri).status;
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  std::map<int, int> counts;
  for (int s : statuses) ++counts[s];
  return counts;
}

int64_t Used(HttpClient& c, const std::string& admin, const std::string& account) {
  Response r = c.Get("/v1/credits", AdminFor(admin, account));
  if (r.status != 200) throw std::runtime_error("credits: " + Describe(r));
  return r.object().at("used").as_int64();
}

boost::json::value Balance(HttpClient& c, const std::string& admin, const std::string& account) {
  Response r = c.Get("/v1/credits", AdminFor(admin, account));
  if (r.status != 200) throw std::runtime_error("credits: " + Describe(r));
  return r.object().at("balance");
}

TEST(MeteringTest, HundredParallelRequestsAgainstA30LimitAllowExactly30) {
  KeywardProcess server({.config_toml = "[plans.default]\nrate_limit = \"30/min\"\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  auto counts = Burst(server, key.key, 100);
  EXPECT_EQ(counts[200], 30);
  EXPECT_EQ(counts[429], 70);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(MeteringTest, FiftyCreditsAllowExactlyFifty) {
  KeywardProcess server({.config_toml = "[credits]\ndefault_cost = 1\n"
                                        "[plans.default]\nrate_limit = \"100000/min\"\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key(), {{"credits", 50}});
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  auto counts = Burst(server, key.key, 100);
  EXPECT_EQ(counts[200], 50);
  EXPECT_EQ(counts[403], 50);  // QUOTA_EXCEEDED
  EXPECT_EQ(Balance(c, server.admin_key(), account), boost::json::value(0));
  EXPECT_EQ(Used(c, server.admin_key(), account), 50);
  Response refused = Auth(c, key.key);
  EXPECT_TRUE(IsError(refused, 403, "QUOTA_EXCEEDED")) << Describe(refused);
  EXPECT_TRUE(refused.has_header("X-RateLimit-Limit"));
}

TEST(MeteringTest, RouteCostAndRouteLimitApplyOnTopOfThePlan) {
  KeywardProcess server({.config_toml = "[[route]]\nmethod = \"POST\"\npath = \"/v1/extractions\"\n"
                                        "cost = 5\nrate_limit = \"2/min\"\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key(), {{"credits", 100}});
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  Response r1 = Auth(c, key.key, "POST", "/v1/extractions");
  ASSERT_EQ(r1.status, 200) << Describe(r1);
  EXPECT_EQ(r1.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(r1.header("X-RateLimit-Remaining"), "1");
  EXPECT_EQ(r1.header("RateLimit-Policy"), "\"per-route\";q=2;w=60");
  ASSERT_EQ(Auth(c, key.key, "POST", "/v1/extractions").status, 200);
  Response r3 = Auth(c, key.key, "POST", "/v1/extractions");
  EXPECT_TRUE(IsError(r3, 429, "RATE_LIMITED")) << Describe(r3);
  EXPECT_TRUE(r3.has_header("Retry-After"));
  EXPECT_EQ(Used(c, server.admin_key(), account), 10);  // the 429 was not charged
  // Other routes: only the plan's per-key limit (150/min) and the default cost (0).
  Response other = Auth(c, key.key, "GET", "/v1/other");
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("X-RateLimit-Limit"), "150");
}

TEST(MeteringTest, UsageSurvivesSigterm) {
  KeywardProcess server({.config_toml = "[credits]\ndefault_cost = 1\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key(), {{"credits", 1000}});
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  for (int i = 0; i < 37; ++i) ASSERT_EQ(Auth(c, key.key).status, 200);
  ASSERT_EQ(server.Stop(SIGTERM), 0);  // right after the last charge
  server.Start();
  HttpClient c2 = server.Client();
  EXPECT_EQ(Used(c2, server.admin_key(), account), 37);
  EXPECT_EQ(Balance(c2, server.admin_key(), account), boost::json::value(963));
}

TEST(MeteringTest, UsageSurvivesSigkillAfterOneSecond) {
  KeywardProcess server({.config_toml = "[credits]\ndefault_cost = 1\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key(), {{"credits", 1000}});
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  for (int i = 0; i < 23; ++i) ASSERT_EQ(Auth(c, key.key).status, 200);
  // The contract's bound: a crash loses at most the last second of usage. Waiting past it is the
  // premise of this test, not synchronisation.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  server.Kill();
  server.Start();
  HttpClient c2 = server.Client();
  EXPECT_EQ(Used(c2, server.admin_key(), account), 23);
  EXPECT_EQ(Balance(c2, server.admin_key(), account), boost::json::value(977));
}

TEST(MeteringTest, TestModeKeysAreNeverChargedAndTopUpsAdd) {
  KeywardProcess server({.config_toml = "[credits]\ndefault_cost = 1\n"});
  HttpClient c = server.Client();
  std::string account = CreateAccount(c, server.admin_key(), {{"credits", 1}});
  CreatedKey live = CreateKey(c, AdminFor(server.admin_key(), account));
  CreatedKey test = CreateKey(c, AdminFor(server.admin_key(), account), {{"livemode", false}});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Auth(c, test.key).status, 200);
  EXPECT_EQ(Auth(c, live.key).status, 200);
  EXPECT_EQ(Auth(c, live.key).status, 403);
  Response top = c.Post("/v1/accounts/" + account + "/credits", boost::json::object{{"amount", 10}},
                        Admin(server.admin_key()));
  ASSERT_EQ(top.status, 200) << Describe(top);
  EXPECT_EQ(top.object().at("credits"), boost::json::value(10));
  EXPECT_EQ(Auth(c, live.key).status, 200);
  EXPECT_EQ(Used(c, server.admin_key(), account), 2);
}

}  // namespace
}  // namespace keyward_it
