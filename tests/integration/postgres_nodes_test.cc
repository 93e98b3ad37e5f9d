// Several keyward nodes on one PostgreSQL (store.url = postgres://…), without Redis: what one node
// writes, the others read and verify; revocations and rolls reach the other nodes' indexes through
// LISTEN/NOTIFY, a change nobody announced heals by the periodic resync, a late node is ready
// only once subscribed and caught up; a node killed right after acknowledging writes loses none of
// them; PostgreSQL going away gives 503 UNAVAILABLE (and /readyz says why) until it comes back.
// The PostgreSQL server is started by the test (tests/support/postgres_server.h), one per test
// process, with a fresh database (owned by an unprivileged role) per test.
#include <cstdio>
#include <thread>

#include "harness.h"
#include "postgres_server.h"

namespace keyward_it {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
namespace json = boost::json;

constexpr auto kDeadline = std::chrono::seconds(15);

class PostgresNodesTest : public ::testing::Test {
 protected:
  void SetUp() override { db_ = SharedPostgresServer().CreateDatabase(); }

  // A node on this test's database, once /readyz says it is ready (index loaded, change feed
  // subscribed and caught up). The first one creates the admin key (through the CLI, on
  // PostgreSQL); later ones share it.
  std::unique_ptr<KeywardProcess> StartNode(bool create_admin_key, std::string config = {}) {
    KeywardOptions options;
    options.create_admin_key = create_admin_key;
    options.config_toml = std::move(config);
    auto node = std::make_unique<KeywardProcess>(options, db_.url);
    WaitReady(*node);
    return node;
  }

  static bool Ready(const KeywardProcess& node) {
    try {
      HttpClient c = node.Client();
      return c.Get("/readyz").status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }
  static void WaitReady(const KeywardProcess& node) {
    if (!PollUntil([&] { return Ready(node); }, kDeadline)) {
      throw std::runtime_error("node on port " + std::to_string(node.port()) +
                               " never reported ready");
    }
  }

  // Milliseconds from `start` until `probe` holds (polling every ~20 ms), or -1 after `limit`.
  static int64_t MillisUntil(std::chrono::steady_clock::time_point start,
                             const std::function<bool()>& probe, std::chrono::milliseconds limit) {
    for (;;) {
      if (probe()) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
            .count();
      }
      if (std::chrono::steady_clock::now() - start > limit) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling, not synchronisation
    }
  }

  // True once `key` verifies as valid on `c` (the other node may still remember it as unknown
  // for the short negative-cache time).
  static bool VerifiesOn(HttpClient& c, const std::string& key) {
    return PollUntil(
        [&] {
          Response r = Verify(c, key);
          return r.status == 200 && r.object().at("valid") == true;
        },
        kDeadline);
  }

  PostgresServer::Database db_;
};

TEST_F(PostgresNodesTest, AKeyCreatedOnOneNodeVerifiesOnTheOtherAndReadsBackTheSame) {
  auto a = StartNode(true);
  auto b = StartNode(false);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();

  const std::string account = CreateAccount(ca, admin);
  CreatedKey key = CreateKey(ca, AdminFor(admin, account));
  const std::string token_path = "/v1/tokens/" + key.id;
  const std::string account_path = "/v1/accounts/" + account;

  // The account and the token objects read back identically from both nodes.
  Response acc_a = ca.Get(account_path, Admin(admin));
  Response acc_b = cb.Get(account_path, Admin(admin));
  ASSERT_TRUE(IsOk(acc_a));
  ASSERT_TRUE(IsOk(acc_b));
  EXPECT_EQ(acc_a.object(), acc_b.object());
  Response tok_a = ca.Get(token_path, AdminFor(admin, account));
  Response tok_b = cb.Get(token_path, AdminFor(admin, account));
  ASSERT_TRUE(IsOk(tok_a));
  ASSERT_TRUE(IsOk(tok_b));
  EXPECT_EQ(tok_a.object(), tok_b.object());

  EXPECT_TRUE(VerifiesOn(cb, key.key)) << Describe(Verify(cb, key.key));
  Response auth = Auth(cb, key.key);
  EXPECT_EQ(auth.status, 200) << Describe(auth);

  // A key created on B works on A too, and B's admin writes land in the same store.
  CreatedKey from_b = CreateKey(cb, AdminFor(admin, account));
  EXPECT_TRUE(VerifiesOn(ca, from_b.key));
  Response list = ca.Get("/v1/tokens", AdminFor(admin, account));
  ASSERT_TRUE(IsOk(list));
  EXPECT_EQ(list.object().at("data").as_array().size(), 2u) << Describe(list);
}

TEST_F(PostgresNodesTest, AnIdempotencyKeyUsedOnTwoNodesRunsOnce) {
  auto a = StartNode(true);
  auto b = StartNode(false);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(ca, admin);
  Headers h = Join(AdminFor(admin, account), {{"Idempotency-Key", "create-once-" + account}});
  json::object body{{"name", "once"}};
  Response first = ca.Post("/v1/tokens", body, h);
  ASSERT_TRUE(IsOk(first));
  Response replay = cb.Post("/v1/tokens", body, h);
  ASSERT_TRUE(IsOk(replay));
  EXPECT_EQ(first.object().at("id"), replay.object().at("id"));
  Response list = cb.Get("/v1/tokens", AdminFor(admin, account));
  ASSERT_TRUE(IsOk(list));
  EXPECT_EQ(list.object().at("data").as_array().size(), 1u) << Describe(list);
}

TEST_F(PostgresNodesTest, KillingANodeRightAfterAcknowledgedWritesLosesNone) {
  auto a = StartNode(true);
  auto b = StartNode(false);
  const std::string admin = a->admin_key();
  std::string account;
  std::vector<CreatedKey> keys;
  {
    HttpClient ca = a->Client();
    account = CreateAccount(ca, admin);
    for (int i = 0; i < 12; ++i) keys.push_back(CreateKey(ca, AdminFor(admin, account)));
    for (int i = 0; i < 4; ++i) RevokeKey(ca, AdminFor(admin, account), keys[i].id);
  }
  a->Kill();  // SIGKILL straight after the last acknowledged revoke

  auto check = [&](HttpClient& c, const char* where) {
    for (size_t i = 0; i < keys.size(); ++i) {
      Response r = c.Get("/v1/tokens/" + keys[i].id, AdminFor(admin, account));
      ASSERT_TRUE(IsOk(r)) << where << ": " << Describe(r);
      EXPECT_EQ(r.object().at("status"), i < 4 ? "revoked" : "active") << where << " " << i;
    }
    for (size_t i = 4; i < keys.size(); ++i) EXPECT_TRUE(VerifiesOn(c, keys[i].key)) << where;
  };
  HttpClient cb = b->Client();
  check(cb, "node B");

  a->Start();  // the killed node, restarted, loads the same state
  HttpClient ca = a->Client();
  check(ca, "node A after restart");
  for (int i = 0; i < 4; ++i) {
    Response r = Verify(ca, keys[i].key);
    ASSERT_EQ(r.status, 200) << Describe(r);
    EXPECT_EQ(r.object().at("valid"), false) << Describe(r);
  }
}

TEST_F(PostgresNodesTest, PostgresDownGives503WithTheReasonAndRecoversWhenItReturns) {
  auto a = StartNode(true);
  HttpClient c = a->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(c, admin);
  ASSERT_EQ(c.Get("/readyz").status, 200);

  PostgresServer& pg = SharedPostgresServer();
  keyward_test::ScopedStop stopped(pg);

  Response create = c.Post("/v1/accounts", json::object{{"email", UniqueEmail()}}, Admin(admin));
  EXPECT_TRUE(IsError(create, 503, "UNAVAILABLE")) << Describe(create);
  Response add =
      c.Post("/v1/accounts/" + account + "/credits", json::object{{"amount", 5}}, Admin(admin));
  EXPECT_TRUE(IsError(add, 503, "UNAVAILABLE")) << Describe(add);
  Response ready = c.Get("/readyz");
  ASSERT_TRUE(IsError(ready, 503, "UNAVAILABLE")) << Describe(ready);
  const std::string why = AsString(ready.object().at("error").at("message"));
  EXPECT_NE(why.find("PostgreSQL is unreachable"), std::string::npos) << why;
  EXPECT_EQ(why.find(db_.password), std::string::npos) << why;
  EXPECT_EQ(c.Get("/healthz").status, 200);  // the process itself is fine

  pg.Start();  // same port, same data directory
  EXPECT_TRUE(PollUntil([&] { return c.Get("/readyz").status == 200; }, kDeadline));
  Response again = c.Post("/v1/accounts", json::object{{"email", UniqueEmail()}}, Admin(admin));
  EXPECT_TRUE(IsOk(again)) << Describe(again);
  Response got = c.Get("/v1/accounts/" + account, Admin(admin));
  EXPECT_TRUE(IsOk(got)) << Describe(got);
}

// No Redis: the store's resync runs only every 30 s (the default), so a refusal within 10 s is the
// LISTEN/NOTIFY announcement's doing.
TEST_F(PostgresNodesTest, ARevocationOnBIsRefusedOnAWithoutRedis) {
  auto a = StartNode(true);
  auto b = StartNode(false);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(ca, admin);
  CreatedKey key = CreateKey(ca, AdminFor(admin, account));
  EXPECT_EQ(Auth(ca, key.key).status, 200);  // held in A's index
  EXPECT_TRUE(PollUntil([&] { return Auth(cb, key.key).status == 200; }, kDeadline));

  RevokeKey(cb, AdminFor(admin, account), key.id);
  const auto revoked_at = std::chrono::steady_clock::now();
  EXPECT_EQ(Auth(cb, key.key).status, 401);  // the writer: at once
  const int64_t ms = MillisUntil(
      revoked_at, [&] { return Auth(ca, key.key).status == 401; }, std::chrono::seconds(10));
  std::printf("[ measured ] PostgreSQL only: revocation on B refused on A after %lld ms\n",
              static_cast<long long>(ms));
  ASSERT_GE(ms, 0) << "A still accepts the key 10 s after it was revoked on B";
  EXPECT_LT(ms, 5000) << "propagation should take well under a second on an idle machine";
  Response refused = Auth(ca, key.key);
  EXPECT_TRUE(IsError(refused, 401, "UNAUTHORIZED")) << Describe(refused);
}

TEST_F(PostgresNodesTest, ARollOnAReachesBWithoutRedis) {
  auto a = StartNode(true);
  auto b = StartNode(false);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(ca, admin);
  CreatedKey old_key = CreateKey(ca, AdminFor(admin, account));
  EXPECT_TRUE(PollUntil([&] { return Auth(cb, old_key.key).status == 200; }, kDeadline));
  CreatedKey fresh = RollKey(ca, AdminFor(admin, account), old_key.id, std::nullopt);
  const auto rolled_at = std::chrono::steady_clock::now();
  const int64_t ms = MillisUntil(
      rolled_at, [&] { return Auth(cb, old_key.key).status == 401; }, std::chrono::seconds(10));
  std::printf("[ measured ] PostgreSQL only: roll on A refused the old key on B after %lld ms\n",
              static_cast<long long>(ms));
  EXPECT_GE(ms, 0) << "B still accepts the rolled key 10 s later";
  EXPECT_EQ(Auth(cb, fresh.key).status, 200);
}

TEST_F(PostgresNodesTest, AChangeMadeBehindKeywardsBackHealsByTheStoreResync) {
  const std::string config = "[store]\nresync_seconds = 1\n";
  auto a = StartNode(true, config);
  auto b = StartNode(false, config);
  HttpClient ca = a->Client();
  HttpClient cb = b->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(ca, admin);
  CreatedKey key = CreateKey(ca, AdminFor(admin, account));
  ASSERT_EQ(Auth(ca, key.key).status, 200);
  ASSERT_TRUE(PollUntil([&] { return Auth(cb, key.key).status == 200; }, kDeadline));
  // Straight in SQL, no NOTIFY: only the trigger's change sequence moves.
  SharedPostgresServer().Exec(
      "UPDATE tokens SET revoked_at = extract(epoch from now())::bigint WHERE id = '" + key.id +
          "'",
      db_.name);
  const auto start = std::chrono::steady_clock::now();
  const int64_t ms = MillisUntil(
      start, [&] { return Auth(ca, key.key).status == 401 && Auth(cb, key.key).status == 401; },
      std::chrono::seconds(15));
  std::printf(
      "[ measured ] PostgreSQL only: unannounced revocation healed by resync after %lld ms\n",
      static_cast<long long>(ms));
  EXPECT_GE(ms, 0);
}

TEST_F(PostgresNodesTest, ALateNodeIsReadyOnlyOnceSubscribedAndCaughtUp) {
  auto a = StartNode(true);
  HttpClient ca = a->Client();
  const std::string admin = a->admin_key();
  const std::string account = CreateAccount(ca, admin);
  CreatedKey live = CreateKey(ca, AdminFor(admin, account));
  CreatedKey dead = CreateKey(ca, AdminFor(admin, account));
  CreatedKey later = CreateKey(ca, AdminFor(admin, account));
  RevokeKey(ca, AdminFor(admin, account), dead.id);

  auto late = StartNode(false);  // returns once /readyz is 200
  HttpClient cl = late->Client();
  EXPECT_EQ(Auth(cl, live.key).status, 200);
  EXPECT_EQ(Auth(cl, dead.key).status, 401);
  EXPECT_EQ(Auth(cl, later.key).status, 200);  // now held in the late node's index
  // Ready means subscribed: a revocation right after reaches it by notification (the resync
  // would take 30 s).
  RevokeKey(ca, AdminFor(admin, account), later.id);
  EXPECT_TRUE(
      PollUntil([&] { return Auth(cl, later.key).status == 401; }, std::chrono::seconds(10)));
}

}  // namespace
}  // namespace keyward_it
