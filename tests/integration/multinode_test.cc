// Several keyward nodes sharing one store and one Redis (issue 8): changes propagate between
// nodes, limits and credits are exact across them, a killed node loses no acknowledged write, and
// Redis going away gives the configured behaviour until it returns. Every scenario runs on both
// shared stores: one SQLite file in WAL mode (nodes on one host), and one PostgreSQL database
// (the shared test server, a fresh database per test).
// Deadlines are generous bounds ("eventually"); measured delays are printed, never asserted tight.
#include <atomic>
#include <cstdio>
#include <thread>

#include "harness.h"
#include "postgres_server.h"
#include "redis_server.h"

namespace keyward_it {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

enum class Backend { kSqlite, kPostgres };

const char* BackendName(Backend b) {
  return b == Backend::kSqlite ? "Sqlite" : "Postgres";
}
// How gtest prints the parameter.
void PrintTo(Backend b, std::ostream* os) {
  *os << BackendName(b);
}

std::string NodeConfig(const keyward_test::RedisServer& redis, std::string extra = {},
                       std::string_view on_unavailable = "closed") {
  return "[redis]\nurl = \"" + redis.url() + "\"\non_unavailable = \"" +
         std::string(on_unavailable) + "\"\nresync_seconds = 1\ntimeout_ms = 500\n" + extra;
}

bool Ready(const KeywardProcess& node) {
  try {
    HttpClient c = node.Client();
    return c.Get("/readyz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

void WaitReady(const KeywardProcess& node) {
  if (!PollUntil([&] { return Ready(node); }, std::chrono::seconds(20))) {
    throw std::runtime_error("node on port " + std::to_string(node.port()) +
                             " never reported ready");
  }
}

// The store the nodes of one test share.
class SharedStore {
 public:
  explicit SharedStore(Backend backend) : backend_(backend) {
    if (backend_ == Backend::kPostgres) db_ = SharedPostgresServer().CreateDatabase();
  }
  // A node on the shared store. The first one creates the store (SQLite: in its data dir) and the
  // admin key; later ones share them.
  std::unique_ptr<KeywardProcess> NewNode(const std::string& config) {
    const bool first = !first_;
    std::unique_ptr<KeywardProcess> node;
    if (backend_ == Backend::kPostgres) {
      node = std::make_unique<KeywardProcess>(
          KeywardOptions{.config_toml = config, .create_admin_key = first}, db_.url);
    } else if (first) {
      node = std::make_unique<KeywardProcess>(KeywardOptions{.config_toml = config});
    } else {
      node = std::make_unique<KeywardProcess>(KeywardOptions{
          .config_toml = config, .create_admin_key = false, .store_dir = first_->data_dir()});
    }
    if (first) first_ = node.get();
    return node;
  }

  // The query's rows as the sqlite3 shell prints them, read from outside keyward: `sql` when
  // both engines take it, else `sqlite_sql` / `postgres_sql`.
  std::string Query(const std::string& sqlite_sql, const std::string& postgres_sql) const {
    if (backend_ == Backend::kPostgres) return SharedPostgresServer().Query(postgres_sql, db_.name);
    return SqliteQuery(sqlite_sql);
  }
  std::string Query(const std::string& sql) const { return Query(sql, sql); }

 private:
  std::string SqliteQuery(const std::string& sql) const {
    const std::string cmd = "sqlite3 '" + first_->data_dir() + "/keyward.db' \"" + sql + "\" 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) throw std::runtime_error("popen sqlite3 failed");
    std::string out;
    char buf[256];
    while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    ::pclose(p);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

  const Backend backend_;
  PostgresServer::Database db_;  // kPostgres
  // The first node made (SQLite: its data dir holds the file). Owned by the test, which uses the
  // store only while the node lives.
  const KeywardProcess* first_ = nullptr;
};

// A cluster of `n` nodes on `store`, all ready.
struct Cluster {
  Cluster(SharedStore& store, int n, const std::string& config) {
    for (int i = 0; i < n; ++i) nodes.push_back(store.NewNode(config));
    for (auto& node : nodes) WaitReady(*node);
  }
  KeywardProcess& operator[](size_t i) { return *nodes[i]; }
  const std::string& admin() const { return nodes[0]->admin_key(); }
  std::vector<std::unique_ptr<KeywardProcess>> nodes;
};

class MultiNodeTest : public ::testing::TestWithParam<Backend> {
 protected:
  // Declared first: destroyed after the clusters the tests build on it.
  SharedStore store_{GetParam()};
};

// Milliseconds from `start` until `probe` holds (polling every ~20 ms), or -1 after `limit`.
int64_t MillisUntil(steady_clock::time_point start, const std::function<bool()>& probe,
                    milliseconds limit) {
  for (;;) {
    if (probe()) {
      return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
    }
    if (steady_clock::now() - start > limit) return -1;
    std::this_thread::sleep_for(milliseconds(20));  // polling, not synchronisation
  }
}

// `n` requests at once, spread round-robin over the nodes; the count of each status.
std::map<int, int> BurstOver(Cluster& cluster, const std::string& key, int n) {
  std::vector<std::thread> threads;
  std::vector<int> statuses(n);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = cluster[i % cluster.nodes.size()].Client();
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

TEST_P(MultiNodeTest, KeyCreatedOnAVerifiesOnBAndRevokedOnBIsRefusedOnA) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  HttpClient b = cluster[1].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));

  Response on_b = Auth(b, key.key);
  EXPECT_EQ(on_b.status, 200) << Describe(on_b);
  EXPECT_EQ(Auth(a, key.key).status, 200);  // held in A's index now

  RevokeKey(b, AdminFor(cluster.admin(), account), key.id);
  const auto revoked_at = steady_clock::now();
  EXPECT_EQ(Auth(b, key.key).status, 401);  // the writer: at once
  const int64_t ms = MillisUntil(
      revoked_at, [&] { return Auth(a, key.key).status == 401; }, std::chrono::seconds(10));
  std::printf("[ measured ] revocation on B refused on A after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0) << "A still accepts the key 10 s after it was revoked on B";
  EXPECT_LT(ms, 5000) << "propagation should take well under a second on an idle machine";
  Response refused = Auth(a, key.key);
  EXPECT_TRUE(IsError(refused, 401, "UNAUTHORIZED")) << Describe(refused);
}

TEST_P(MultiNodeTest, RollAndItsGracePeriodReachTheOtherNode) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  HttpClient b = cluster[1].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey old_key = CreateKey(a, AdminFor(cluster.admin(), account));
  EXPECT_EQ(Auth(b, old_key.key).status, 200);
  CreatedKey fresh = RollKey(a, AdminFor(cluster.admin(), account), old_key.id, std::nullopt);
  EXPECT_TRUE(
      PollUntil([&] { return Auth(b, old_key.key).status == 401; }, std::chrono::seconds(10)));
  EXPECT_EQ(Auth(b, fresh.key).status, 200);
}

TEST_P(MultiNodeTest, AChangeWhoseMessageWasLostHealsByResync) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  HttpClient b = cluster[1].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  ASSERT_EQ(Auth(a, key.key).status, 200);
  ASSERT_EQ(Auth(b, key.key).status, 200);
  // Revoked behind keyward's back: no announcement at all, only the change sequence moves.
  // (PostgreSQL's trigger moves change_seq itself; SQLite's schema leaves that to the writer.)
  store_.Query(
      "UPDATE tokens SET revoked_at = strftime('%s','now'), change_seq = "
      "(SELECT MAX(change_seq) + 1 FROM tokens) WHERE id = '" +
          key.id + "'",
      "UPDATE tokens SET revoked_at = extract(epoch from now())::bigint WHERE id = '" + key.id +
          "'");
  const auto start = steady_clock::now();
  const int64_t ms = MillisUntil(
      start, [&] { return Auth(a, key.key).status == 401 && Auth(b, key.key).status == 401; },
      std::chrono::seconds(15));
  std::printf("[ measured ] unannounced revocation healed by resync after %lld ms\n",
              static_cast<long long>(ms));
  EXPECT_GE(ms, 0);
}

TEST_P(MultiNodeTest, HundredParallelRequestsOverThreeNodesAgainstA30LimitAllowExactly30) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 3, NodeConfig(redis, "[plans.default]\nrate_limit = \"30/min\"\n"));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  auto counts = BurstOver(cluster, key.key, 100);
  EXPECT_EQ(counts[200], 30);
  EXPECT_EQ(counts[429], 70);
  EXPECT_EQ(counts.size(), 2u);
}

TEST_P(MultiNodeTest, FiftyCreditsOverTwoNodesChargeExactlyFiftyAndReachTheStore) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2,
                  NodeConfig(redis,
                             "[credits]\ndefault_cost = 1\n"
                             "[plans.default]\nrate_limit = \"100000/min\"\n"));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin(), {{"credits", 50}});
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  auto counts = BurstOver(cluster, key.key, 100);
  EXPECT_EQ(counts[200], 50);
  EXPECT_EQ(counts[403], 50);
  // The store (read directly) reaches balance 0 and used 50 within a flush or two.
  const std::string sql =
      "SELECT credits || ',' || credits_used FROM accounts WHERE id = '" + account + "'";
  const auto start = steady_clock::now();
  const int64_t ms = MillisUntil(
      start, [&] { return store_.Query(sql) == "0,50"; }, std::chrono::seconds(10));
  std::printf("[ measured ] usage in the store %lld ms after the burst\n",
              static_cast<long long>(ms));
  EXPECT_GE(ms, 0) << "store says " << store_.Query(sql);
  // Both nodes agree on the live figures, and nothing is counted twice later.
  for (size_t i = 0; i < 2; ++i) {
    HttpClient c = cluster[i].Client();
    Response r = c.Get("/v1/credits", AdminFor(cluster.admin(), account));
    ASSERT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(r.object().at("balance"), boost::json::value(0));
    EXPECT_EQ(r.object().at("used"), boost::json::value(50));
  }
  std::this_thread::sleep_for(milliseconds(1200));  // two more flush intervals: no double count
  EXPECT_EQ(store_.Query(sql), "0,50");
}

TEST_P(MultiNodeTest, TopUpOnOneNodeIsSpendableOnTheOther) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis, "[credits]\ndefault_cost = 1\n"));
  HttpClient a = cluster[0].Client();
  HttpClient b = cluster[1].Client();
  std::string account = CreateAccount(a, cluster.admin(), {{"credits", 1}});
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  EXPECT_EQ(Auth(b, key.key).status, 200);
  EXPECT_EQ(Auth(b, key.key).status, 403);
  Response top =
      a.Post("/v1/accounts/" + account + "/credits", {{"amount", 2}}, Admin(cluster.admin()));
  ASSERT_EQ(top.status, 200) << Describe(top);
  EXPECT_EQ(Auth(b, key.key).status, 200);
  EXPECT_EQ(Auth(b, key.key).status, 200);
  EXPECT_EQ(Auth(b, key.key).status, 403);
}

TEST_P(MultiNodeTest, KillingANodeLosesNoAcknowledgedWrite) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin());
  std::vector<CreatedKey> keys;
  for (int i = 0; i < 10; ++i) keys.push_back(CreateKey(a, AdminFor(cluster.admin(), account)));
  for (int i = 0; i < 5; ++i) RevokeKey(a, AdminFor(cluster.admin(), account), keys[i].id);
  cluster[0].Kill();  // SIGKILL right after the last acknowledged write
  HttpClient b = cluster[1].Client();
  for (int i = 0; i < 10; ++i) {
    const int want = i < 5 ? 401 : 200;
    EXPECT_TRUE(
        PollUntil([&] { return Auth(b, keys[i].key).status == want; }, std::chrono::seconds(10)))
        << "key " << i << " on the surviving node";
  }
  cluster[0].Start();  // the killed node comes back on the same store and agrees
  WaitReady(cluster[0]);
  HttpClient again = cluster[0].Client();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Auth(again, keys[i].key).status, i < 5 ? 401 : 200);
}

TEST_P(MultiNodeTest, ALateNodeCatchesUpBeforeItIsReady) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 1, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey live = CreateKey(a, AdminFor(cluster.admin(), account));
  CreatedKey dead = CreateKey(a, AdminFor(cluster.admin(), account));
  RevokeKey(a, AdminFor(cluster.admin(), account), dead.id);
  std::unique_ptr<KeywardProcess> late = store_.NewNode(NodeConfig(redis));
  WaitReady(*late);
  HttpClient c = late->Client();
  EXPECT_EQ(Auth(c, live.key).status, 200);
  EXPECT_EQ(Auth(c, dead.key).status, 401);
}

TEST_P(MultiNodeTest, RedisDownFailsClosedThenRecovers) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2, NodeConfig(redis));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  ASSERT_EQ(Auth(a, key.key).status, 200);

  redis.Stop();
  Response down = Auth(a, key.key);
  EXPECT_TRUE(IsError(down, 503, "UNAVAILABLE")) << Describe(down);
  Response verify = Verify(a, key.key);
  EXPECT_EQ(verify.status, 503) << Describe(verify);
  Response ready = a.Get("/readyz");
  EXPECT_TRUE(IsError(ready, 503, "UNAVAILABLE")) << Describe(ready);
  EXPECT_NE(ready.body.find("Redis"), std::string::npos) << ready.body;
  // Management writes fail closed, and change nothing.
  Response create =
      a.Post("/v1/tokens", {{"name", "while down"}}, AdminFor(cluster.admin(), account));
  EXPECT_TRUE(IsError(create, 503, "UNAVAILABLE")) << Describe(create);
  Response revoke = a.Post("/v1/tokens/" + key.id + "/revoke", boost::json::object{},
                           AdminFor(cluster.admin(), account));
  EXPECT_TRUE(IsError(revoke, 503, "UNAVAILABLE")) << Describe(revoke);

  redis.Start();  // same port, empty
  const auto back = steady_clock::now();
  const int64_t ms = MillisUntil(
      back,
      [&] {
        HttpClient b = cluster[1].Client();
        return Auth(a, key.key).status == 200 && Auth(b, key.key).status == 200 &&
               Ready(cluster[0]) && Ready(cluster[1]);
      },
      std::chrono::seconds(20));
  std::printf("[ measured ] both nodes serving and ready %lld ms after Redis returned\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0);
  // Propagation works again.
  RevokeKey(a, AdminFor(cluster.admin(), account), key.id);
  HttpClient b = cluster[1].Client();
  EXPECT_TRUE(PollUntil([&] { return Auth(b, key.key).status == 401; }, std::chrono::seconds(10)));
}

TEST_P(MultiNodeTest, RedisDownFailsOpenForKeysTheNodeHolds) {
  keyward_test::RedisServer redis;
  Cluster cluster(store_, 2,
                  NodeConfig(redis, "[plans.default]\nrate_limit = \"2/min\"\n", "open"));
  HttpClient a = cluster[0].Client();
  std::string account = CreateAccount(a, cluster.admin());
  CreatedKey key = CreateKey(a, AdminFor(cluster.admin(), account));
  EXPECT_EQ(Auth(a, key.key).status, 200);
  EXPECT_EQ(Auth(a, key.key).status, 200);
  EXPECT_EQ(Auth(a, key.key).status, 429);

  redis.Stop();
  for (int i = 0; i < 3; ++i) {  // held and valid: passes, without limits
    Response r = Auth(a, key.key);
    EXPECT_EQ(r.status, 200) << Describe(r);
  }
  EXPECT_EQ(Auth(a, MakeWellFormedKey("sk_live_")).status, 401);  // unknown is still unknown
  Response ready = a.Get("/readyz");
  EXPECT_TRUE(IsError(ready, 503, "UNAVAILABLE")) << Describe(ready);
  Response create =
      a.Post("/v1/tokens", {{"name", "while down"}}, AdminFor(cluster.admin(), account));
  EXPECT_TRUE(IsError(create, 503, "UNAVAILABLE")) << Describe(create);

  redis.Start();  // limits are back (the bucket was lost with Redis: it starts full)
  EXPECT_TRUE(PollUntil([&] { return Ready(cluster[0]); }, std::chrono::seconds(20)));
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 4; ++i) {
    const int s = Auth(a, key.key).status;
    ok += s == 200;
    limited += s == 429;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(limited, 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, MultiNodeTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return std::string(BackendName(info.param)); });

}  // namespace
}  // namespace keyward_it
