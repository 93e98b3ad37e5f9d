// Runtime control against the real binary (API.md 11.1, 11.3): a key disable, an account disable
// and a metadata change made on node A apply on node B within about a second (two nodes on one
// SQLite file sharing a Redis, the change feed carrying the announcement); an account limit over
// two keys on two nodes allows exactly its budget; disabled keys and accounts stay so across a
// restart. Measured delays are printed; the assertion is a generous bound, as in multinode_test.
#include <atomic>
#include <cstdio>
#include <thread>

#include "harness.h"
#include "redis_server.h"

namespace keyward_it {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::string RedisConfig(const keyward_test::RedisServer& redis, const std::string& extra = {}) {
  return "[redis]\nurl = \"" + redis.url() +
         "\"\non_unavailable = \"closed\"\nresync_seconds = 30\ntimeout_ms = 500\n" + extra;
}

bool IsReady(const KeywardProcess& node) {
  try {
    return node.Client().Get("/readyz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

// Two nodes on one SQLite file and one Redis, both ready.
struct ControlNodes {
  explicit ControlNodes(const keyward_test::RedisServer& redis, const std::string& extra = {})
      : a(KeywardOptions{.config_toml = RedisConfig(redis, extra)}),
        b(KeywardOptions{.config_toml = RedisConfig(redis, extra),
                         .create_admin_key = false,
                         .store_dir = a.data_dir()}) {
    for (const KeywardProcess* n : {&a, &b}) {
      if (!PollUntil([&] { return IsReady(*n); }, std::chrono::seconds(20))) {
        throw std::runtime_error("a node never reported ready");
      }
    }
  }
  KeywardProcess a;
  KeywardProcess b;
};

// Milliseconds until `probe` holds, polling every ~20 ms; -1 after `limit`.
int64_t MillisUntil(const std::function<bool()>& probe, milliseconds limit) {
  const auto start = steady_clock::now();
  for (;;) {
    if (probe()) {
      return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
    }
    if (steady_clock::now() - start > limit) return -1;
    std::this_thread::sleep_for(milliseconds(20));  // polling, not synchronisation
  }
}

std::string ErrorMessage(const Response& r) {
  try {
    return AsString(r.object().at("error").at("message"));
  } catch (const std::exception&) {
    return {};
  }
}

TEST(RuntimeControlMultiNode, KeyDisableAndEnableOnAApplyOnBWithinASecond) {
  keyward_test::RedisServer redis;
  ControlNodes n(redis);
  HttpClient a = n.a.Client();
  HttpClient b = n.b.Client();
  const std::string account = CreateAccount(a, n.a.admin_key());
  const Headers admin = AdminFor(n.a.admin_key(), account);
  CreatedKey key = CreateKey(a, admin);
  ASSERT_EQ(Auth(b, key.key).status, 200);  // B holds it now

  Response off = a.Post("/v1/tokens/" + key.id + "/disable", boost::json::object{}, admin);
  ASSERT_EQ(off.status, 200) << Describe(off);
  EXPECT_EQ(Auth(a, key.key).status, 401);  // the writer: at once
  int64_t ms = MillisUntil([&] { return Auth(b, key.key).status == 401; }, milliseconds(10'000));
  std::printf("[ measured ] key disable on A refused on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0) << "B still accepts a key disabled on A 10 s ago";
  EXPECT_LT(ms, 1000);
  EXPECT_EQ(ErrorMessage(Auth(b, key.key)), "The API key is disabled.");

  ASSERT_EQ(a.Post("/v1/tokens/" + key.id + "/enable", boost::json::object{}, admin).status, 200);
  ms = MillisUntil([&] { return Auth(b, key.key).status == 200; }, milliseconds(10'000));
  std::printf("[ measured ] key enable on A accepted on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0);
  EXPECT_LT(ms, 1000);
}

TEST(RuntimeControlMultiNode, AccountDisableAndMetadataChangeOnAApplyOnB) {
  keyward_test::RedisServer redis;
  ControlNodes n(redis);
  HttpClient a = n.a.Client();
  HttpClient b = n.b.Client();
  const std::string account = CreateAccount(a, n.a.admin_key());
  const Headers admin = AdminFor(n.a.admin_key(), account);
  CreatedKey key = CreateKey(a, admin);
  ASSERT_EQ(Auth(b, key.key).status, 200);

  ASSERT_EQ(a.Post("/v1/tokens/" + key.id,
                   boost::json::object{{"metadata", boost::json::object{{"tier", "gold"}}}}, admin)
                .status,
            200);
  int64_t ms = MillisUntil(
      [&] { return Auth(b, key.key).header("X-Keyward-Metadata") == R"({"tier":"gold"})"; },
      milliseconds(10'000));
  std::printf("[ measured ] metadata change on A seen on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0);
  EXPECT_LT(ms, 1000);

  Response off =
      a.Post("/v1/accounts/" + account + "/disable", boost::json::object{}, Admin(n.a.admin_key()));
  ASSERT_EQ(off.status, 200) << Describe(off);
  ms = MillisUntil([&] { return Auth(b, key.key).status == 401; }, milliseconds(10'000));
  std::printf("[ measured ] account disable on A refused on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0) << "B still accepts the keys of an account disabled on A 10 s ago";
  EXPECT_LT(ms, 1000);
  EXPECT_EQ(ErrorMessage(Auth(b, key.key)), "The account is disabled.");
}

TEST(RuntimeControlMultiNode, AnAccountLimitOfFiveOverTwoKeysOnTwoNodesAllowsExactlyFive) {
  keyward_test::RedisServer redis;
  ControlNodes n(redis);
  HttpClient a = n.a.Client();
  const std::string account = CreateAccount(a, n.a.admin_key());
  const Headers admin = AdminFor(n.a.admin_key(), account);
  ASSERT_EQ(a.Post("/v1/accounts/" + account, boost::json::object{{"account_rate_limit", "5/min"}},
                   Admin(n.a.admin_key()))
                .status,
            200);
  CreatedKey k1 = CreateKey(a, admin);
  CreatedKey k2 = CreateKey(a, admin);
  // Node B has never seen the account: it reads it, limit included, on the first request there.
  HttpClient b = n.b.Client();
  std::vector<std::thread> threads;
  std::vector<int> statuses(20);
  std::atomic<bool> go{false};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c = (i % 2 == 0 ? n.a : n.b).Client();
      (void)c.Get("/healthz");
      while (!go.load()) std::this_thread::yield();
      statuses[i] = Auth(c, i % 4 < 2 ? k1.key : k2.key).status;
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int ok = 0, limited = 0;
  for (int s : statuses) {
    if (s == 200) ++ok;
    if (s == 429) ++limited;
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(limited, 15);
  Response refused = Auth(b, k1.key);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("RateLimit-Policy").value_or(""), "\"per-account\";q=5;w=60");
}

TEST(RuntimeControl, DisabledKeysAndAccountsStayDisabledAcrossARestart) {
  KeywardProcess node;
  HttpClient c = node.Client();
  const std::string account = CreateAccount(c, node.admin_key());
  const std::string other = CreateAccount(c, node.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(node.admin_key(), account));
  CreatedKey theirs = CreateKey(c, AdminFor(node.admin_key(), other));
  ASSERT_EQ(c.Post("/v1/tokens/" + key.id + "/disable", boost::json::object{},
                   AdminFor(node.admin_key(), account))
                .status,
            200);
  ASSERT_EQ(
      c.Post("/v1/accounts/" + other + "/disable", boost::json::object{}, Admin(node.admin_key()))
          .status,
      200);
  node.Restart();
  HttpClient after = node.Client();
  Response k = Auth(after, key.key);
  EXPECT_EQ(k.status, 401);
  EXPECT_EQ(ErrorMessage(k), "The API key is disabled.");
  Response t = Auth(after, theirs.key);
  EXPECT_EQ(t.status, 401);
  EXPECT_EQ(ErrorMessage(t), "The account is disabled.");
  Response listed = after.Get("/v1/tokens?status=disabled", AdminFor(node.admin_key(), account));
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.object().at("data").as_array().size(), 1u);
}

}  // namespace
}  // namespace keyward_it
