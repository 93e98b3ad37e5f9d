// Two keyward nodes on a Redis reached over TLS (rediss://, issue 18): Debian's redis-server with a
// TLS port, a CA and a certificate for "localhost" made by the test, an ACL user in the URL.
// Limits and credits stay exact across the nodes, a revoke reaches the other node within 1 s (by
// pub/sub over TLS: resync is set far away), and a Redis that cannot be reached as configured —
// a CA that did not sign its certificate, a host name the certificate does not name — is never
// used any other way: /readyz answers 503 with the reason, verification follows on_unavailable.
#include <atomic>
#include <cstdio>
#include <thread>

#include "harness.h"
#include "redis_server.h"

namespace keyward_it {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

keyward_test::RedisServerOptions TlsWithAclUser() {
  return {.tls = true,
          .extra_args = {"--user", "kw", "on", ">tls-pw-9", "~*", "&*", "+@all"},
          .sentinel_config = {}};
}

std::string TlsConfig(const keyward_test::RedisServer& redis, const std::string& ca,
                      const std::string& host = "localhost", std::string extra = {},
                      std::string_view on_unavailable = "closed") {
  return "[redis]\nurl = \"" + redis.tls_url("kw:tls-pw-9", host) + "\"\ntls_ca_file = \"" + ca +
         "\"\non_unavailable = \"" + std::string(on_unavailable) +
         "\"\nresync_seconds = 3600\ntimeout_ms = 1000\n" + extra;
}

Response Readyz(const KeywardProcess& node) {
  HttpClient c = node.Client();
  return c.Get("/readyz");
}

void WaitReady(const KeywardProcess& node) {
  if (!PollUntil([&] { return Readyz(node).status == 200; }, std::chrono::seconds(20))) {
    throw std::runtime_error("node never ready: " + Describe(Readyz(node)));
  }
}

// Two nodes on one SQLite store (the first creates it and the admin key).
struct TwoNodes {
  explicit TwoNodes(const std::string& config) {
    a = std::make_unique<KeywardProcess>(KeywardOptions{.config_toml = config});
    b = std::make_unique<KeywardProcess>(KeywardOptions{
        .config_toml = config, .create_admin_key = false, .store_dir = a->data_dir()});
    WaitReady(*a);
    WaitReady(*b);
  }
  std::unique_ptr<KeywardProcess> a, b;
};

// `n` requests at once, alternating between the nodes; the count of each status.
std::map<int, int> Burst(TwoNodes& nodes, const std::string& key, int n) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(n);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = (i % 2 == 0 ? nodes.a : nodes.b)->Client();
      (void)c.Get("/healthz");
      ++ready;
      while (!go.load()) std::this_thread::yield();
      statuses[i] = Auth(c, key).status;
    });
  }
  while (ready.load() < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  std::map<int, int> counts;
  for (int s : statuses) ++counts[s];
  return counts;
}

TEST(RedisTlsNodesTest, HundredParallelRequestsAgainstA30LimitAllowExactly30) {
  keyward_test::RedisServer redis(TlsWithAclUser());
  TwoNodes nodes(
      TlsConfig(redis, redis.ca_file(), "localhost", "[plans.default]\nrate_limit = \"30/min\"\n"));
  HttpClient a = nodes.a->Client();
  std::string account = CreateAccount(a, nodes.a->admin_key());
  CreatedKey key = CreateKey(a, AdminFor(nodes.a->admin_key(), account));
  auto counts = Burst(nodes, key.key, 100);
  EXPECT_EQ(counts[200], 30);
  EXPECT_EQ(counts[429], 70);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(RedisTlsNodesTest, FiftyCreditsChargeExactlyFifty) {
  keyward_test::RedisServer redis(TlsWithAclUser());
  TwoNodes nodes(TlsConfig(redis, redis.ca_file(), "localhost",
                           "[credits]\ndefault_cost = 1\n"
                           "[plans.default]\nrate_limit = \"100000/min\"\n"));
  HttpClient a = nodes.a->Client();
  std::string account = CreateAccount(a, nodes.a->admin_key(), {{"credits", 50}});
  CreatedKey key = CreateKey(a, AdminFor(nodes.a->admin_key(), account));
  auto counts = Burst(nodes, key.key, 100);
  EXPECT_EQ(counts[200], 50);
  EXPECT_EQ(counts[403], 50);
  HttpClient b = nodes.b->Client();
  Response credits = b.Get("/v1/credits", AdminFor(nodes.a->admin_key(), account));
  ASSERT_EQ(credits.status, 200) << Describe(credits);
  EXPECT_EQ(credits.object().at("balance"), boost::json::value(0));
  EXPECT_EQ(credits.object().at("used"), boost::json::value(50));
}

TEST(RedisTlsNodesTest, ARevokeOnOneNodeIsRefusedOnTheOtherWithinASecond) {
  keyward_test::RedisServer redis(TlsWithAclUser());
  TwoNodes nodes(TlsConfig(redis, redis.ca_file()));
  HttpClient a = nodes.a->Client();
  HttpClient b = nodes.b->Client();
  std::string account = CreateAccount(a, nodes.a->admin_key());
  CreatedKey key = CreateKey(a, AdminFor(nodes.a->admin_key(), account));
  ASSERT_EQ(Auth(a, key.key).status, 200);
  ASSERT_EQ(Auth(b, key.key).status, 200);  // held in B's index now
  RevokeKey(a, AdminFor(nodes.a->admin_key(), account), key.id);
  const auto start = steady_clock::now();
  ASSERT_TRUE(PollUntil([&] { return Auth(b, key.key).status == 401; }, std::chrono::seconds(5)))
      << "B still accepts the revoked key after 5 s";
  const auto ms = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
  std::printf("[ measured ] revoke over TLS pub/sub refused on the other node after %lld ms\n",
              static_cast<long long>(ms));
  EXPECT_LT(ms, 1000);
}

TEST(RedisTlsNodesTest, AWrongCaOrHostNameIsRefusedWithTheReasonAndFollowsOnUnavailable) {
  keyward_test::RedisServer redis(TlsWithAclUser());
  // A node that reaches Redis makes the key; the others share its store.
  KeywardProcess good(KeywardOptions{.config_toml = TlsConfig(redis, redis.ca_file())});
  WaitReady(good);
  HttpClient g = good.Client();
  std::string account = CreateAccount(g, good.admin_key());
  CreatedKey key = CreateKey(g, AdminFor(good.admin_key(), account));
  auto node_with = [&](const std::string& config) {
    return std::make_unique<KeywardProcess>(KeywardOptions{
        .config_toml = config, .create_admin_key = false, .store_dir = good.data_dir()});
  };

  auto wrong_ca = node_with(TlsConfig(redis, redis.other_ca_file()));
  Response ready = Readyz(*wrong_ca);
  EXPECT_EQ(ready.status, 503) << Describe(ready);
  EXPECT_NE(ready.body.find("certificate"), std::string::npos) << ready.body;
  EXPECT_EQ(ready.body.find("tls-pw-9"), std::string::npos) << ready.body;
  HttpClient w = wrong_ca->Client();
  Response closed = Auth(w, key.key);
  EXPECT_EQ(closed.status, 503) << Describe(closed);

  auto wrong_host = node_with(TlsConfig(redis, redis.ca_file(), "127.0.0.1"));
  ready = Readyz(*wrong_host);
  EXPECT_EQ(ready.status, 503) << Describe(ready);
  EXPECT_NE(ready.body.find("mismatch"), std::string::npos) << ready.body;

  // on_unavailable = "open": a key this node holds as valid passes, without limits or charges.
  auto open = node_with(TlsConfig(redis, redis.other_ca_file(), "localhost", "", "open"));
  HttpClient o = open->Client();
  Response passed = Auth(o, key.key);
  EXPECT_EQ(passed.status, 200) << Describe(passed);
  EXPECT_EQ(Readyz(*open).status, 503);
  // The good node still works: nothing about the refused ones touched Redis.
  EXPECT_EQ(Auth(g, key.key).status, 200);
}

}  // namespace
}  // namespace keyward_it
