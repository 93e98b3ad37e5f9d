// Two keyward nodes on a Sentinel-managed Redis (redis+sentinel://, issue 18): one primary, one
// replica, three sentinels on loopback (Debian's redis-server, run with --sentinel). Limits and
// credits are exact before and after a failover (SENTINEL FAILOVER), the nodes serve again on the
// new primary without a restart — the contract allows 15 s from the switch — with balances
// intact, and a revoke still reaches the other node within a second afterwards.
// Deadlines are generous bounds; measured delays are printed.
#include <atomic>
#include <cstdio>
#include <thread>

#include "harness.h"
#include "redis_sentinel_set.h"

namespace keyward_it {
namespace {

using keyward_test::RedisSentinelSet;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string SentinelConfig(const RedisSentinelSet& set) {
  return "[redis]\nurl = \"" + set.url() +
         "\"\nresync_seconds = 3600\ntimeout_ms = 500\n"
         "[plans.default]\nrate_limit = \"100000/min\"\n"
         "[[route]]\nmethod = \"GET\"\npath = \"/paid\"\ncost = 1\n"
         "[[route]]\nmethod = \"GET\"\npath = \"/limited\"\nrate_limit = \"30/min\"\n";
}

bool Ready(const KeywardProcess& node) {
  try {
    HttpClient c = node.Client();
    return c.Get("/readyz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

// `n` requests at once for `uri`, alternating between the nodes; the count of each status.
std::map<int, int> Burst(KeywardProcess& a, KeywardProcess& b, const std::string& key,
                         const std::string& uri, int n) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(n);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = (i % 2 == 0 ? a : b).Client();
      (void)c.Get("/healthz");
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

TEST(RedisSentinelNodesTest, ExactLimitsAndCreditsAcrossAFailoverWithoutARestart) {
  RedisSentinelSet set;
  const std::string config = SentinelConfig(set);
  KeywardProcess a(KeywardOptions{.config_toml = config});
  KeywardProcess b(
      KeywardOptions{.config_toml = config, .create_admin_key = false, .store_dir = a.data_dir()});
  ASSERT_TRUE(PollUntil([&] { return Ready(a) && Ready(b); }, std::chrono::seconds(20)));
  HttpClient ca = a.Client();
  HttpClient cb = b.Client();
  std::string account = CreateAccount(ca, a.admin_key(), {{"credits", 60}});
  CreatedKey key = CreateKey(ca, AdminFor(a.admin_key(), account));

  // Before: exact limits, and ten credits spent.
  auto limited = Burst(a, b, key.key, "/limited", 100);
  EXPECT_EQ(limited[200], 30);
  EXPECT_EQ(limited[429], 70);
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(Auth(i % 2 ? ca : cb, key.key, "GET", "/paid").status, 200);

  // The failover: the replica has everything (WAIT), then the sentinels switch.
  ASSERT_EQ(set.PrimaryPort(), std::to_string(set.primary().port()));
  const auto switch_at = steady_clock::now();
  set.Failover();

  // Both nodes serve again on the new primary, without a restart.
  const bool serving = PollUntil(
      [&] {
        HttpClient x = a.Client();
        HttpClient y = b.Client();
        return Ready(a) && Ready(b) && Auth(x, key.key).status == 200 &&
               Auth(y, key.key).status == 200;
      },
      std::chrono::seconds(30));
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - switch_at).count();
  std::printf(
      "[ measured ] both nodes serving on the new primary %lld ms after SENTINEL FAILOVER\n",
      static_cast<long long>(ms));
  ASSERT_TRUE(serving);
  EXPECT_LT(ms, 15000);
  EXPECT_NE(set.replica().CommandLines("ROLE").find("master"), std::string::npos);

  // After: the balance is intact (60 - 10) and charged exactly.
  Response credits = cb.Get("/v1/credits", AdminFor(a.admin_key(), account));
  ASSERT_EQ(credits.status, 200) << Describe(credits);
  EXPECT_EQ(credits.object().at("balance"), boost::json::value(50));
  auto paid = Burst(a, b, key.key, "/paid", 100);
  EXPECT_EQ(paid[200], 50);
  EXPECT_EQ(paid[403], 50);

  // And changes still travel: a revoke on A is refused on B within a second.
  CreatedKey other = CreateKey(ca, AdminFor(a.admin_key(), account));
  ASSERT_TRUE(
      PollUntil([&] { return Auth(cb, other.key).status == 200; }, std::chrono::seconds(5)));
  RevokeKey(ca, AdminFor(a.admin_key(), account), other.id);
  const auto revoked_at = steady_clock::now();
  ASSERT_TRUE(
      PollUntil([&] { return Auth(cb, other.key).status == 401; }, std::chrono::seconds(5)));
  const auto rms =
      std::chrono::duration_cast<milliseconds>(steady_clock::now() - revoked_at).count();
  std::printf("[ measured ] revoke after the failover refused on the other node after %lld ms\n",
              static_cast<long long>(rms));
  EXPECT_LT(rms, 1000);
}

}  // namespace
}  // namespace keyward_it
