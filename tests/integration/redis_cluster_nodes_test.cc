// Two keyward nodes on one PostgreSQL and a Redis Cluster (redis+cluster://, issue 18): three
// primaries on loopback (tests/support/redis_cluster_set.h). Limits and credits are exact across
// the nodes for accounts whose hash tags land on every primary, a revoke reaches the other node
// within a second over the cluster's pub/sub, /readyz says why when no node of the cluster can be
// reached, and with a replica per primary the nodes serve again after a primary fails and the
// cluster promotes its replica (no restart). Deadlines are generous bounds; delays are printed.
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "harness.h"
#include "postgres_server.h"
#include "redis_cluster_set.h"

namespace keyward_it {
namespace redis_cluster_nodes {  // named, not anonymous: unity builds batch test files together

using keyward_test::RedisClusterSet;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string ClusterConfig(const std::string& url) {
  return "[redis]\nurl = \"" + url +
         "\"\nresync_seconds = 3600\ntimeout_ms = 500\n"
         "[plans.default]\nrate_limit = \"100000/min\"\n"
         "[[route]]\nmethod = \"GET\"\npath = \"/paid\"\ncost = 1\n"
         "[[route]]\nmethod = \"GET\"\npath = \"/limited\"\nrate_limit = \"30/min\"\n";
}

Response Readyz(const KeywardProcess& node) {
  HttpClient c = node.Client();
  return c.Get("/readyz");
}

bool Ready(const KeywardProcess& node) {
  try {
    return Readyz(node).status == 200;
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

class RedisClusterNodesTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = keyward_test::SharedPostgresServer().CreateDatabase(); }

  std::unique_ptr<KeywardProcess> StartNode(bool create_admin_key, const std::string& config) {
    KeywardOptions options;
    options.create_admin_key = create_admin_key;
    options.config_toml = config;
    auto node = std::make_unique<KeywardProcess>(options, db_.url);
    if (!PollUntil([&] { return Ready(*node); }, std::chrono::seconds(20))) {
      throw std::runtime_error("node never ready: " + Describe(Readyz(*node)));
    }
    return node;
  }

  // Accounts (each with `credits`) until their ids' slots cover every primary; one per primary.
  std::vector<std::string> AccountsOnEveryPrimary(HttpClient& c, const std::string& admin,
                                                  RedisClusterSet& cluster, int credits) {
    std::map<size_t, std::string> by_primary;
    for (int i = 0; i < 60 && by_primary.size() < cluster.size(); ++i) {
      const std::string id = CreateAccount(c, admin, {{"credits", credits}});
      const auto slot = static_cast<uint16_t>(cluster.KeySlot(id));
      by_primary.emplace(RedisClusterSet::PrimaryOfSlot(slot), id);
    }
    std::vector<std::string> out;
    for (auto& [primary, id] : by_primary) out.push_back(id);
    return out;
  }

  keyward_test::PostgresServer::Database db_;
};

TEST_F(RedisClusterNodesTest, ExactLimitsAndCreditsOnEveryPrimaryAndARevokeWithinASecond) {
  RedisClusterSet cluster;
  const std::string config = ClusterConfig(cluster.url());
  auto a = StartNode(true, config);
  auto b = StartNode(false, config);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();

  const std::vector<std::string> accounts = AccountsOnEveryPrimary(ca, admin, cluster, 50);
  ASSERT_EQ(accounts.size(), 3u) << "no account landed on some primary";
  for (const std::string& account : accounts) {
    CreatedKey key = CreateKey(ca, AdminFor(admin, account));
    ASSERT_TRUE(
        PollUntil([&] { return Auth(cb, key.key).status == 200; }, std::chrono::seconds(5)));
    // 100 parallel requests against 30/min, spread over both nodes: exactly 30.
    auto limited = Burst(*a, *b, key.key, "/limited", 100);
    EXPECT_EQ(limited[200], 30) << account;
    EXPECT_EQ(limited[429], 70) << account;
    // 100 parallel paid requests against 50 credits: exactly 50 (the /limited ones cost 0).
    auto paid = Burst(*a, *b, key.key, "/paid", 100);
    EXPECT_EQ(paid[200], 50) << account;
    EXPECT_EQ(paid[403], 50) << account;
    // The charges reach the store (exactly once, whichever node flushes them).
    const bool spent = PollUntil(
        [&] {
          Response r = cb.Get("/v1/credits", AdminFor(admin, account));
          return r.status == 200 && r.object().at("balance") == boost::json::value(0);
        },
        std::chrono::seconds(10));
    EXPECT_TRUE(spent) << account;
  }

  // A revoke on A is refused on B within a second (PUBLISH reaches every node of the cluster).
  CreatedKey other = CreateKey(ca, AdminFor(admin, accounts[0]));
  ASSERT_TRUE(
      PollUntil([&] { return Auth(cb, other.key).status == 200; }, std::chrono::seconds(5)));
  RevokeKey(ca, AdminFor(admin, accounts[0]), other.id);
  const auto revoked_at = steady_clock::now();
  ASSERT_TRUE(
      PollUntil([&] { return Auth(cb, other.key).status == 401; }, std::chrono::seconds(5)));
  const auto ms =
      std::chrono::duration_cast<milliseconds>(steady_clock::now() - revoked_at).count();
  std::printf("[ measured ] revoke on a Redis Cluster refused on the other node after %lld ms\n",
              static_cast<long long>(ms));
  EXPECT_LT(ms, 1000);
}

TEST_F(RedisClusterNodesTest, ReadyzSaysWhyWhenNoNodeOfTheClusterAnswers) {
  KeywardOptions options;
  options.config_toml = ClusterConfig("redis+cluster://127.0.0.1:9,127.0.0.1:1");
  KeywardProcess node(options, db_.url);
  ASSERT_TRUE(PollUntil([&] { return Readyz(node).status == 503; }, std::chrono::seconds(20)));
  Response ready = Readyz(node);
  EXPECT_EQ(ready.status, 503) << Describe(ready);
  EXPECT_NE(ready.body.find("Redis Cluster"), std::string::npos) << ready.body;
}

TEST_F(RedisClusterNodesTest, ServesAgainAfterAPrimaryFailsAndItsReplicaIsPromoted) {
  RedisClusterSet cluster(/*replicas=*/true);
  const std::string config = ClusterConfig(cluster.url());
  auto a = StartNode(true, config);
  auto b = StartNode(false, config);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();
  const std::vector<std::string> accounts = AccountsOnEveryPrimary(ca, admin, cluster, 1000);
  ASSERT_EQ(accounts.size(), 3u);
  std::vector<CreatedKey> keys;
  for (const std::string& account : accounts) {
    keys.push_back(CreateKey(ca, AdminFor(admin, account)));
    ASSERT_TRUE(PollUntil(
        [&] {
          return Auth(ca, keys.back().key).status == 200 && Auth(cb, keys.back().key).status == 200;
        },
        std::chrono::seconds(5)));
  }

  // Primary 0 fails; the cluster promotes its replica (node timeout 1 s).
  cluster.primary(0).Stop();
  const auto failed_at = steady_clock::now();
  const bool serving = PollUntil(
      [&] {
        HttpClient x = a->Client();
        HttpClient y = b->Client();
        for (const CreatedKey& k : keys) {
          if (Auth(x, k.key).status != 200 || Auth(y, k.key).status != 200) return false;
        }
        return Ready(*a) && Ready(*b);
      },
      std::chrono::seconds(30));
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - failed_at).count();
  std::printf("[ measured ] both nodes serving every account %lld ms after a primary failed\n",
              static_cast<long long>(ms));
  ASSERT_TRUE(serving) << Describe(Readyz(*a));
  EXPECT_NE(cluster.replica(0).CommandLines("ROLE").find("master"), std::string::npos);
  // Limits are still exact on the promoted primary's slots.
  for (size_t i = 0; i < keys.size(); ++i) {
    CreatedKey fresh = CreateKey(ca, AdminFor(admin, accounts[i]));
    ASSERT_TRUE(
        PollUntil([&] { return Auth(cb, fresh.key).status == 200; }, std::chrono::seconds(5)));
    auto limited = Burst(*a, *b, fresh.key, "/limited", 60);
    EXPECT_EQ(limited[200], 30) << accounts[i];
  }
}

}  // namespace redis_cluster_nodes
}  // namespace keyward_it
