// The Redis Cluster client against a real three-primary cluster
// (tests/support/redis_cluster_set.h): the slot map, routing, MOVED and ASK while a slot migrates,
// CLUSTERDOWN as unavailable, /readyz reasons, and the limiter and credit meter exact with
// hash-tagged keys. Plus the pure parsers.
#include "limits/redis_cluster.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "core/redis_slot.h"
#include "core/testing_alloc_counter.h"
#include "limits/redis_client.h"
#include "limits/redis_credit_meter.h"
#include "limits/redis_limiter.h"
#include "redis_cluster_set.h"

namespace keyward {
namespace {

RedisReply Int(int64_t v) {
  RedisReply r;
  r.type = RedisReply::Type::kInteger;
  r.integer = v;
  return r;
}
RedisReply Str(std::string s) {
  RedisReply r;
  r.type = RedisReply::Type::kString;
  r.str = std::move(s);
  return r;
}
RedisReply Arr(std::vector<RedisReply> e) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  r.elements = std::move(e);
  return r;
}

TEST(ClusterSlotsParse, RangesPrimariesAndEmptyHosts) {
  const RedisReply reply = Arr({
      Arr({Int(0), Int(5460), Arr({Str("10.0.0.1"), Int(7000), Str("id1")}),
           Arr({Str("10.0.0.4"), Int(7003), Str("id4")})}),
      Arr({Int(5461), Int(10922), Arr({Str(""), Int(7001), Str("id2")})}),
      Arr({Int(10923), Int(16383), Arr({Str("?"), Int(7002), Str("id3"), Arr({})})}),
  });
  auto r = ParseClusterSlots(reply, "seed.example");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].first, 0);
  EXPECT_EQ((*r)[0].last, 5460);
  EXPECT_EQ((*r)[0].host, "10.0.0.1");  // the primary, not the replica
  EXPECT_EQ((*r)[0].port, 7000);
  EXPECT_EQ((*r)[1].host, "seed.example");  // "" = the node that answered
  EXPECT_EQ((*r)[2].host, "seed.example");  // "?" likewise
  EXPECT_EQ((*r)[2].last, 16383);
}

TEST(ClusterSlotsParse, RefusesMalformedReplies) {
  EXPECT_FALSE(ParseClusterSlots(Str("x"), "h").ok());
  EXPECT_FALSE(ParseClusterSlots(Arr({Arr({Int(0), Int(5)})}), "h").ok());
  EXPECT_FALSE(ParseClusterSlots(Arr({Arr({Int(5), Int(1), Arr({Str("h"), Int(1)})})}), "h").ok());
  EXPECT_FALSE(
      ParseClusterSlots(Arr({Arr({Int(0), Int(16384), Arr({Str("h"), Int(1)})})}), "h").ok());
  EXPECT_FALSE(
      ParseClusterSlots(Arr({Arr({Int(0), Int(1), Arr({Str("h"), Int(70000)})})}), "h").ok());
  EXPECT_TRUE(ParseClusterSlots(Arr({}), "h").ok());  // a cluster with no slots yet
}

TEST(ClusterRedirectParse, MovedAndAsk) {
  auto m = ParseClusterRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->ask);
  EXPECT_EQ(m->slot, 3999);
  EXPECT_EQ(m->host, "127.0.0.1");
  EXPECT_EQ(m->port, 6381);
  auto a = ParseClusterRedirect("ASK 12 [::1]:7000");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->ask);
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 7000);
  for (const char* bad : {"ERR x", "MOVED", "MOVED 1", "MOVED x h:1", "MOVED 16384 h:1",
                          "MOVED 1 h", "MOVED 1 :7000", "MOVED 1 h:0", "ASK 1 h:99999"}) {
    EXPECT_FALSE(ParseClusterRedirect(bad)) << bad;
  }
}

TEST(RedisArgSlot, TaggedArgumentsUseTheirTag) {
  EXPECT_EQ(RedisArgSlot(RedisArg("foo")), RedisKeySlot("foo"));
  EXPECT_EQ(RedisArgSlot(RedisArg("kw:cr:", "acct_1")), RedisKeySlot("kw:cr:acct_1"));
  EXPECT_EQ(RedisArgSlot(RedisArg::Tagged("kw:rl:", "acct_1", "tok_9")), RedisKeySlot("acct_1"));
  EXPECT_EQ(RedisArgSlot(RedisArg::Tagged("kw:rl:", "acct_1", "tok_9")),
            RedisKeySlot("kw:rl:{acct_1}tok_9"));
  // A brace in the head wins, as Redis would see it.
  EXPECT_EQ(RedisArgSlot(RedisArg::Tagged("a{b}", "acct_1", "")), RedisKeySlot("b"));
}

RedisOptions ClusterOptions(const std::string& url) {
  RedisOptions o;
  o.url = *ParseRedisUrl(url);
  o.timeout_ms = 1000;
  o.pool_size = 4;
  o.retry_ms = 20;
  return o;
}

// One cluster for the tests that leave it whole.
class RedisClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new keyward_test::RedisClusterSet(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static keyward_test::RedisClusterSet* cluster_;
};
keyward_test::RedisClusterSet* RedisClusterTest::cluster_ = nullptr;

TEST_F(RedisClusterTest, SlotsAgreeWithTheServer) {
  for (const std::string key :
       {"foo", "bar", "123456789", "kw:rl:{acct_7x}tok_1", "{}x", "kw:cr:dirty{4242}", "a{b}{c}"}) {
    EXPECT_EQ(RedisKeySlot(key), cluster_->KeySlot(key)) << key;
  }
}

TEST_F(RedisClusterTest, RoutesEveryKeyToItsPrimaryAndIsReady) {
  RedisPool pool(ClusterOptions(cluster_->url()));
  ASSERT_NE(pool.cluster(), nullptr);
  EXPECT_TRUE(pool.Ping().ok()) << pool.last_error();
  EXPECT_EQ(pool.cluster()->Primaries().size(), 3u);
  std::set<size_t> primaries;
  for (int i = 0; i < 60; ++i) {
    const std::string key = "route:" + std::to_string(i);
    ASSERT_TRUE(pool.Command({"SET", key, std::to_string(i)}).ok()) << pool.last_error();
    primaries.insert(keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(key)));
    // The key is on the primary that serves its slot (read there directly).
    auto& owner =
        cluster_->primary(keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(key)));
    EXPECT_EQ(owner.CommandLines("GET " + key, 20), std::to_string(i));
  }
  EXPECT_EQ(primaries.size(), 3u);
  for (int i = 0; i < 60; ++i) {
    auto r = pool.Command({"GET", "route:" + std::to_string(i)});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->str, std::to_string(i));
  }
}

TEST_F(RedisClusterTest, FollowsAskWhileASlotMigratesAndMovedAfter) {
  RedisPool pool(ClusterOptions(cluster_->url()));
  const std::string key = "{mig}k";
  const std::string other = "{mig}stays";
  const uint16_t slot = RedisKeySlot(key);
  const size_t from = keyward_test::RedisClusterSet::PrimaryOfSlot(slot);
  const size_t to = (from + 1) % 3;
  ASSERT_TRUE(pool.Command({"SET", key, "v1"}).ok());
  ASSERT_TRUE(pool.Command({"SET", other, "v2"}).ok());
  const std::string was = pool.cluster()->NodeForSlot(slot);

  cluster_->BeginMove(slot, from, to);
  // Migrate one key only: the source answers ASK for it (it no longer has it).
  ASSERT_EQ(cluster_->primary(from).Command("MIGRATE 127.0.0.1 " +
                                            std::to_string(cluster_->primary(to).port()) + " " +
                                            key + " 0 5000"),
            "+OK");
  auto moved_key = pool.Command({"GET", key});
  ASSERT_TRUE(moved_key.ok()) << moved_key.error().message();
  EXPECT_EQ(moved_key->str, "v1");  // ASKING + GET on the importing node
  auto stayed = pool.Command({"GET", other});
  ASSERT_TRUE(stayed.ok());
  EXPECT_EQ(stayed->str, "v2");                       // still on the source
  EXPECT_EQ(pool.cluster()->NodeForSlot(slot), was);  // ASK does not change the map

  cluster_->MigrateKeys(slot, from, to);
  cluster_->FinishMove(slot, to);
  // The map still names the source: it answers MOVED, the client follows and learns.
  auto after = pool.Command({"GET", other});
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ(after->str, "v2");
  EXPECT_EQ(pool.cluster()->NodeForSlot(slot),
            "127.0.0.1:" + std::to_string(cluster_->primary(to).port()));
  // Scripts follow too (EVALSHA, NOSCRIPT on the new node, then EVAL).
  RedisScript script("return redis.call('GET', KEYS[1])");
  RedisArg keys[] = {RedisArg(other)};
  auto eval = pool.Eval(script, keys, {});
  ASSERT_TRUE(eval.ok()) << eval.error().message();
  EXPECT_EQ(eval->str, "v2");
  cluster_->MoveSlot(slot, to, from);  // leave the cluster as it was
}

TEST_F(RedisClusterTest, LimitsAreExactWithAccountsOnEveryPrimary) {
  RedisPool pool(ClusterOptions(cluster_->url()));
  std::map<std::string, std::optional<int64_t>> stored;
  RedisCreditMeter meter(
      pool,
      [&](std::string_view id) -> Result<std::optional<StoredBalance>> {
        return std::optional<StoredBalance>(StoredBalance{stored.at(std::string(id))});
      },
      "lt:");
  RedisLimiter limiter(pool, "lt:");
  // Accounts until each primary serves at least one.
  std::vector<std::string> accounts;
  std::set<size_t> covered;
  for (int i = 0; covered.size() < 3 || accounts.size() < 3; ++i) {
    const std::string a = "acct_" + std::to_string(i);
    covered.insert(keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(a)));
    accounts.push_back(a);
    stored[a] = 50;
  }
  const RateSpec spec{.limit = 30, .window_seconds = 60};
  const int64_t now = 1'800'000'000LL * 1'000'000'000LL;
  for (const std::string& account : accounts) {
    std::atomic<int> limited{0};
    std::atomic<int> charged{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 25; ++i) {
          const std::string key_bucket = "tok_" + account;
          const std::string account_bucket = "a:" + account;
          BucketRequest buckets[] = {
              {key_bucket, spec, 1, account},
              {account_bucket, RateSpec{.limit = 1000, .window_seconds = 60}, 1, account}};
          CreditCharge charge;
          LimitOutcome out = limiter.TakeThenCharge(buckets, now, meter, account, 1, &charge);
          EXPECT_FALSE(out.unavailable) << pool.last_error();
          if (out.allowed) limited.fetch_add(1);
          if (out.allowed && charge.allowed) charged.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(limited.load(), 30) << account;  // 100 against 30/min
    EXPECT_EQ(charged.load(), 30) << account;
  }
  // Usage is taken exactly once, from whichever slot each account is on.
  std::map<std::string, int64_t> used;
  for (const CreditUsage& u : meter.TakeUsage()) used[u.account_id] += u.used;
  for (const CreditUsage& u : meter.TakeUsage()) used[u.account_id] += u.used;
  for (const std::string& account : accounts) EXPECT_EQ(used[account], 30) << account;
}

TEST_F(RedisClusterTest, CreditsAreExactAndUsageIsFoundByAnotherNode) {
  RedisPool pool(ClusterOptions(cluster_->url()));
  std::map<std::string, std::optional<int64_t>> stored;
  auto loader = [&](std::string_view id) -> Result<std::optional<StoredBalance>> {
    return std::optional<StoredBalance>(StoredBalance{stored.at(std::string(id))});
  };
  RedisCreditMeter meter(pool, loader, "cr-test:");
  std::vector<std::string> accounts;
  std::set<size_t> covered;
  for (int i = 100; covered.size() < 3; ++i) {
    const std::string a = "acct_" + std::to_string(i);
    covered.insert(keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(a)));
    accounts.push_back(a);
    stored[a] = 50;
  }
  for (const std::string& account : accounts) {
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 20; ++i) {
          CreditCharge c = meter.Charge(account, 1);
          EXPECT_FALSE(c.unavailable);
          if (c.allowed) ok.fetch_add(1);
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 50) << account;  // 80 against 50 → exactly 50, never below zero
    auto snap = meter.Snapshot(account);
    ASSERT_TRUE(snap);
    EXPECT_EQ(snap->balance, 0);
  }
  // A second node that charged nothing finds the usage by sweeping every primary.
  RedisPool other_pool(ClusterOptions(cluster_->url()));
  RedisCreditMeter other(other_pool, loader, "cr-test:");
  std::map<std::string, int64_t> used;
  for (const CreditUsage& u : other.TakeUsage()) used[u.account_id] += u.used;
  for (const std::string& account : accounts) EXPECT_EQ(used[account], 50) << account;
  EXPECT_TRUE(meter.TakeUsage().empty());  // taken once
}

TEST_F(RedisClusterTest, ALimitAndChargeAllocatesNothingOnceWarm) {
  RedisPool pool(ClusterOptions(cluster_->url()));
  auto loader = [](std::string_view) -> Result<std::optional<StoredBalance>> {
    return std::optional<StoredBalance>(StoredBalance{1'000'000});
  };
  RedisCreditMeter meter(pool, loader, "alloc:");
  RedisLimiter limiter(pool, "alloc:");
  const std::string account = "acct_alloc";
  BucketRequest buckets[] = {
      {"tok_alloc", RateSpec{.limit = 100000, .window_seconds = 60}, 1, account},
      {"a:acct_alloc", RateSpec{.limit = 100000, .window_seconds = 60}, 1, account}};
  const int64_t now = 1'800'000'000LL * 1'000'000'000LL;
  for (int i = 0; i < 3; ++i) {  // warm: connection, script, buffers, the thread's slot
    CreditCharge charge;
    ASSERT_TRUE(limiter.TakeThenCharge(buckets, now, meter, account, 1, &charge).allowed)
        << pool.last_error();
  }
  CreditCharge charge;
  const uint64_t before = keyward::testing::AllocationsOnThisThread();
  LimitOutcome out = limiter.TakeThenCharge(buckets, now, meter, account, 1, &charge);
  const uint64_t after = keyward::testing::AllocationsOnThisThread();
  EXPECT_TRUE(out.allowed);
  EXPECT_TRUE(charge.allowed);
  EXPECT_EQ(after - before, 0u);
}

TEST(RedisClusterDown, NoSeedReachableSaysWhy) {
  // Ports nothing listens on (bound and closed by the test support's servers would race; use
  // the discard port on loopback, which a test machine does not serve).
  RedisPool pool(ClusterOptions("redis+cluster://127.0.0.1:9,127.0.0.1:1"));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message().find("no Redis Cluster node answered"), std::string::npos)
      << st.error().message();
  EXPECT_FALSE(pool.healthy());
  auto r = pool.Command({"GET", "x"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST(RedisClusterDown, AFailedPrimaryIsUnavailableAndReadinessSaysWhy) {
  keyward_test::RedisClusterSet cluster;
  RedisPool pool(ClusterOptions(cluster.url()));
  ASSERT_TRUE(pool.Ping().ok()) << pool.last_error();
  cluster.primary(2).Stop();
  // Keys on the stopped primary: unavailable (never answered elsewhere); the others still work
  // until the cluster itself declares the failure.
  std::string on_stopped;
  for (int i = 0; on_stopped.empty(); ++i) {
    const std::string k = "k" + std::to_string(i);
    if (keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(k)) == 2) on_stopped = k;
  }
  std::string on_first;
  for (int i = 0; on_first.empty(); ++i) {
    const std::string k = "k" + std::to_string(i);
    if (keyward_test::RedisClusterSet::PrimaryOfSlot(RedisKeySlot(k)) == 0) on_first = k;
  }
  auto r = pool.Command({"SET", on_stopped, "1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  // Readiness names the reason: a primary that cannot be reached, then (after the node timeout)
  // the cluster's own state; poll until the cluster says so.
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool down_seen = false;
  while (std::chrono::steady_clock::now() < deadline && !down_seen) {
    auto any = pool.Command({"SET", on_first, "1"});
    down_seen = !any.ok() && any.error().message().find("CLUSTERDOWN") != std::string::npos;
    if (!down_seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling
  }
  EXPECT_TRUE(down_seen) << "the surviving primaries never answered CLUSTERDOWN";
  st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(pool.healthy());
  EXPECT_FALSE(pool.last_error().empty());
}

}  // namespace
}  // namespace keyward
