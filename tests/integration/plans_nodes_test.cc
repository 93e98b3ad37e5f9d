// Plans and refills against the real binary (API.md 11.2, 11.5): a plan created through the API
// survives a restart and a configuration plan is managed by the file; on several nodes sharing
// one PostgreSQL and one Redis, a plan change and an account's plan change made on node A apply on
// node B within about a second, and a refill due on three nodes happens once (one
// credits.refilled event, one increment of the balance). Measured delays are printed; the
// assertions are generous bounds, as in multinode_test.
#include <cstdio>
#include <thread>

#include "harness.h"
#include "postgres_server.h"
#include "redis_server.h"

namespace keyward_it {
namespace plans_nodes {  // named, not anonymous: unity builds batch test files together

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
namespace json = boost::json;

bool Ready(const KeywardProcess& node) {
  try {
    return node.Client().Get("/readyz").status == 200;
  } catch (const std::exception&) {
    return false;
  }
}

void WaitReady(const KeywardProcess& node) {
  if (!PollUntil([&] { return Ready(node); }, std::chrono::seconds(20))) {
    throw std::runtime_error("a node never reported ready");
  }
}

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

std::string LimitOn(HttpClient& c, const std::string& key) {
  return Auth(c, key).header("X-RateLimit-Limit").value_or("");
}

// Nodes on one PostgreSQL database and one Redis, each ready.
class PlanNodes : public ::testing::Test {
 protected:
  void SetUp() override { db_ = SharedPostgresServer().CreateDatabase(); }
  std::unique_ptr<KeywardProcess> StartNode(bool create_admin_key, const std::string& extra = {}) {
    KeywardOptions options;
    options.create_admin_key = create_admin_key;
    options.config_toml = "[redis]\nurl = \"" + redis_.url() +
                          "\"\non_unavailable = \"closed\"\nresync_seconds = 30\n" + extra;
    auto node = std::make_unique<KeywardProcess>(options, db_.url);
    WaitReady(*node);
    return node;
  }
  std::vector<json::object> Events(HttpClient& c, const std::string& admin,
                                   const std::string& type) {
    Response r = c.Get("/v1/events?limit=100&type=" + type, Admin(admin));
    if (r.status != 200) throw std::runtime_error("events: " + Describe(r));
    const json::object body = r.object();  // named: the loop must not outlive a temporary
    std::vector<json::object> out;
    for (const auto& e : body.at("data").as_array()) out.push_back(e.as_object());
    return out;
  }

  keyward_test::RedisServer redis_;
  PostgresServer::Database db_;
};

TEST_F(PlanNodes, APlanChangeAndAnAccountsPlanChangeOnAApplyOnBWithinASecond) {
  auto node_a = StartNode(true);
  auto node_b = StartNode(false);
  const std::string admin = node_a->admin_key();
  HttpClient a = node_a->Client();
  HttpClient b = node_b->Client();
  ASSERT_EQ(
      a.Post("/v1/plans", json::object{{"name", "wide"}, {"rate_limit", "1000/min"}}, Admin(admin))
          .status,
      200);
  const std::string account = CreateAccount(a, admin, json::object{{"plan", "wide"}});
  CreatedKey key = CreateKey(a, AdminFor(admin, account));
  ASSERT_EQ(LimitOn(b, key.key), "1000");  // B knows the account and its plan now

  Response changed =
      a.Post("/v1/plans/wide", json::object{{"rate_limit", "900/min"}}, Admin(admin));
  ASSERT_EQ(changed.status, 200) << Describe(changed);
  EXPECT_EQ(LimitOn(a, key.key), "900");  // the writer: at once
  int64_t ms = MillisUntil([&] { return LimitOn(b, key.key) == "900"; }, milliseconds(10'000));
  std::printf("[ measured ] plan change on A applied on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0) << "B still applies the old plan 10 s after the change on A";
  EXPECT_LT(ms, 1000);

  // A plan created on A, and the account moved onto it on A.
  ASSERT_EQ(
      a.Post("/v1/plans", json::object{{"name", "narrow"}, {"rate_limit", "800/min"}}, Admin(admin))
          .status,
      200);
  Response moved =
      a.Post("/v1/accounts/" + account, json::object{{"plan", "narrow"}}, Admin(admin));
  ASSERT_EQ(moved.status, 200) << Describe(moved);
  ms = MillisUntil([&] { return LimitOn(b, key.key) == "800"; }, milliseconds(10'000));
  std::printf("[ measured ] account plan change on A applied on B after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0);
  EXPECT_LT(ms, 1000);
  // B serves the plan A made.
  Response on_b = b.Get("/v1/plans/narrow", Admin(admin));
  ASSERT_EQ(on_b.status, 200) << Describe(on_b);
  EXPECT_EQ(on_b.object().at("managed_by"), "api");
}

TEST_F(PlanNodes, ARefillDueOnThreeNodesHappensOnce) {
  auto node_a = StartNode(true);
  auto node_b = StartNode(false);
  auto node_c = StartNode(false);
  const std::string admin = node_a->admin_key();
  HttpClient a = node_a->Client();
  ASSERT_EQ(
      a.Post("/v1/plans",
             json::object{
                 {"name", "metered"},
                 {"rate_limit", "1000/min"},
                 {"refill", json::object{{"amount", 10}, {"interval", "minute"}, {"mode", "add"}}}},
             Admin(admin))
          .status,
      200);
  const std::string account =
      CreateAccount(a, admin, json::object{{"plan", "metered"}, {"credits", 5}});
  // Created in this minute: refilled at the next boundary (within 5 s of it) — by one node.
  auto refills = [&] { return Events(a, admin, "credits.refilled").size(); };
  int64_t ms = MillisUntil([&] { return refills() > 0; }, milliseconds(75'000));
  ASSERT_GE(ms, 0) << "no refill within 75 s";
  // Every node runs a round every second: give them several, and count again.
  EXPECT_FALSE(PollUntil([&] { return refills() > 1; }, milliseconds(4'000)));
  std::vector<json::object> events = Events(a, admin, "credits.refilled");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].at("account").as_string(), account);
  EXPECT_EQ(events[0].at("actor").at("type"), "system");
  EXPECT_EQ(events[0].at("data").at("object").at("credits"), 15);
  for (KeywardProcess* n : {node_a.get(), node_b.get(), node_c.get()}) {
    HttpClient c = n->Client();
    Response r = c.Get("/v1/accounts/" + account, Admin(admin));
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.object().at("credits"), 15);
  }
}

TEST_F(PlanNodes, CrossingEventsSeenOnTwoNodesAreRecordedOnce) {
  const std::string metered = "[credits]\ndefault_cost = 1\n";
  auto node_a = StartNode(true, metered);
  auto node_b = StartNode(false, metered);
  const std::string admin = node_a->admin_key();
  HttpClient a = node_a->Client();
  HttpClient b = node_b->Client();
  ASSERT_EQ(
      a.Post("/v1/plans",
             json::object{{"name", "thin"}, {"rate_limit", "4/min"}, {"low_credits_threshold", 5}},
             Admin(admin))
          .status,
      200);
  const std::string account =
      CreateAccount(a, admin, json::object{{"plan", "thin"}, {"credits", 6}});
  CreatedKey k1 = CreateKey(a, AdminFor(admin, account));
  CreatedKey k2 = CreateKey(a, AdminFor(admin, account));
  // Not at the very end of a UTC minute: the 429s below fall in one minute.
  while (std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
                 .count() %
             60 >
         45) {
    std::this_thread::sleep_for(milliseconds(200));
  }
  // Six credits, threshold 5: the first charge crosses, the sixth exhausts; both nodes charge.
  int ok = 0;
  for (int i = 0; i < 4; ++i) {
    ok += Auth(i % 2 == 0 ? a : b, k1.key).status == 200;
    ok += Auth(i % 2 == 0 ? b : a, k2.key).status == 200;
  }
  EXPECT_EQ(ok, 6);  // the balance, shared through Redis
  // k1 has spent its 4/min (it got 4 answers): more are 429 on both nodes.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Auth(a, k1.key).status, 429);
    EXPECT_EQ(Auth(b, k1.key).status, 429);
  }
  auto count = [&](const std::string& type) { return Events(a, admin, type).size(); };
  ASSERT_TRUE(PollUntil(
      [&] {
        return count("credits.low") >= 1 && count("credits.exhausted") >= 1 &&
               count("ratelimit.exceeded") >= 1;
      },
      milliseconds(10'000)))
      << "crossing events not recorded within 10 s";
  // Both nodes flush every 0.5 s: give them several rounds, then count.
  EXPECT_FALSE(PollUntil(
      [&] {
        return count("credits.low") > 1 || count("credits.exhausted") > 1 ||
               count("ratelimit.exceeded") > 1;
      },
      milliseconds(3'000)));
  EXPECT_EQ(count("credits.low"), 1u);
  EXPECT_EQ(count("credits.exhausted"), 1u);
  std::vector<json::object> limited = Events(a, admin, "ratelimit.exceeded");
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0].at("data").at("object").at("id").as_string(), k1.id);
}

TEST(PlansRestart, AnApiPlanSurvivesARestartAndConfigPlansAreTheFiles) {
  KeywardProcess node(KeywardOptions{
      .config_toml = "[plans.gold]\nrate_limit = \"500/min\"\nlow_credits_threshold = 10\n"});
  HttpClient c = node.Client();
  const Headers admin = Admin(node.admin_key());
  ASSERT_EQ(
      c.Post("/v1/plans", json::object{{"name", "pro"}, {"rate_limit", "70/min"}}, admin).status,
      200);
  Response gold = c.Get("/v1/plans/gold", admin);
  ASSERT_EQ(gold.status, 200) << Describe(gold);
  EXPECT_EQ(gold.object().at("managed_by"), "config");
  EXPECT_EQ(gold.object().at("low_credits_threshold"), 10);
  Response refused = c.Post("/v1/plans/gold", json::object{{"rate_limit", "1/s"}}, admin);
  EXPECT_EQ(refused.status, 400) << Describe(refused);
  ASSERT_EQ(node.Restart(), 0);
  HttpClient after = node.Client();
  Response pro = after.Get("/v1/plans/pro", admin);
  ASSERT_EQ(pro.status, 200) << Describe(pro);
  EXPECT_EQ(pro.object().at("rate_limit"), "70/min");
  EXPECT_EQ(pro.object().at("managed_by"), "api");
  EXPECT_EQ(after.Get("/v1/plans/gold", admin).object().at("rate_limit"), "500/min");
}

}  // namespace plans_nodes
}  // namespace keyward_it
