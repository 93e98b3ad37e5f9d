// Redis faults under a running node (API.md 9 and 16.1, issue 19), Redis behind the fault proxy:
// answers slower than redis.timeout_ms, a black hole (connections accepted, nothing answered),
// reset connections, and Redis restarting with and without persistence. Each: the client's answer
// comes within a bound set by redis.timeout_ms (not the client's own time-out), verification fails
// closed or open as `on_unavailable` says, management writes fail closed and change nothing, and
// once the fault ends the same process serves again with its counters right (rate limit and
// balance continue from where they were; a request refused with 503 was not charged).
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <set>

#include "fault_proxy.h"
#include "faults/fault_checks.h"
#include "redis_server.h"

namespace keyward_it::faults {

using keyward_test::FaultProxy;
using keyward_test::RedisServer;
using keyward_test::RedisServerOptions;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int kTimeoutMs = 250;
// A refused request must come back well before the client's own time-out (10 s): a few Redis
// calls of kTimeoutMs each, plus a loaded machine's scheduling.
constexpr auto kAnswerBound = std::chrono::seconds(5);

struct Verdict {
  Response response;
  milliseconds took{0};
  int64_t remaining = -1;  // ratelimit.remaining, when valid
  int64_t balance = -1;    // credits.balance, when valid
};

class RedisFaultTest : public ::testing::Test {
 protected:
  void StartNode(const std::string& on_unavailable, uint16_t redis_port) {
    KeywardOptions options;
    options.config_toml = "[redis]\nurl = \"redis://127.0.0.1:" + std::to_string(redis_port) +
                          "/0\"\non_unavailable = \"" + on_unavailable +
                          "\"\ntimeout_ms = " + std::to_string(kTimeoutMs) +
                          "\nresync_seconds = 1\n[credits]\ndefault_cost = 1\n"
                          "[plans.default]\nrate_limit = \"500/day\"\n";
    node_ = std::make_unique<KeywardProcess>(options);
    ASSERT_TRUE(PollUntil([&] { return GetFresh(node_->port(), "/readyz").status == 200; },
                          kFaultDeadline));
    HttpClient c = node_->Client();
    admin_ = node_->admin_key();
    account_ = CreateAccount(c, admin_, {{"credits", 100}});
    auth_ = AdminFor(admin_, account_);
    key_ = CreateKey(c, auth_);
    acked_.insert(key_.id);
  }

  Verdict Check(const std::string& key) {
    HttpClient c = node_->Client();
    Verdict v;
    const auto start = steady_clock::now();
    v.response = Verify(c, key);
    v.took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
    if (v.response.status != 200) return v;
    const boost::json::object o = v.response.object();
    const auto* rl = o.if_contains("ratelimit");
    const auto* credits = o.if_contains("credits");
    if (o.at("valid") != true || rl == nullptr || credits == nullptr || !rl->is_object() ||
        !credits->is_object()) {
      return v;  // e.g. passed without limits or charges (on_unavailable = "open")
    }
    v.remaining = rl->as_object().at("remaining").to_number<int64_t>();
    v.balance = credits->as_object().at("balance").to_number<int64_t>();
    return v;
  }

  // Under a fault with on_unavailable = "closed": verification and writes get 503 within the
  // bound, the write changes nothing, /readyz says Redis.
  void ExpectClosed() {
    Verdict v = Check(key_.key);
    EXPECT_TRUE(IsUnavailable(v.response));
    EXPECT_LT(v.took, kAnswerBound) << "bounded by redis.timeout_ms";
    HttpClient c = node_->Client();
    const auto start = steady_clock::now();
    Response write = TryCreateKey(c, auth_, "while-redis-faulty");
    EXPECT_TRUE(IsUnavailable(write));
    EXPECT_LT(steady_clock::now() - start, kAnswerBound);
    Response ready = GetFresh(node_->port(), "/readyz");
    EXPECT_EQ(ready.status, 503) << Describe(ready);
    EXPECT_NE(MessageOf(ready).find("Redis"), std::string::npos) << Describe(ready);
  }

  // After the fault: the same process verifies again; the counters continue from `before` (a
  // valid verdict taken before the fault) with one more charge and one more request.
  void ExpectRecoveredFrom(const Verdict& before, bool exact_balance = true) {
    const pid_t pid = node_->pid();
    Verdict after;
    ASSERT_TRUE(PollUntil(
        [&] {
          after = Check(key_.key);
          return after.balance >= 0;
        },
        kFaultDeadline))
        << Describe(after.response);
    EXPECT_EQ(node_->pid(), pid);
    // Counters right: the next valid verdict counts down by exactly one. (After a Redis restart a
    // pooled connection the old server closed fails the one request that finds it broken, with an
    // uncharged 503; the poll steps over those.)
    Verdict next;
    int refused_after_recovery = 0;
    ASSERT_TRUE(PollUntil(
        [&] {
          next = Check(key_.key);
          if (next.balance < 0) ++refused_after_recovery;
          return next.balance >= 0;
        },
        kFaultDeadline))
        << Describe(next.response);
    if (refused_after_recovery > 0) {
      std::printf("[ measured ] %d request(s) refused on stale Redis connections after recovery\n",
                  refused_after_recovery);
    }
    EXPECT_EQ(next.balance, after.balance - 1);
    EXPECT_EQ(next.remaining, after.remaining - 1);
    if (exact_balance) {
      // Nothing refused during the fault was charged: only the recovery probes (the last of
      // them succeeded) count.
      EXPECT_EQ(after.balance, before.balance - 1) << "a refused request was charged";
    } else {
      EXPECT_LT(after.balance, before.balance) << "the balance never resets";
    }
    HttpClient c = node_->Client();
    std::vector<std::string> ids = TokenIds(c, auth_);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), acked_)
        << "refused writes changed nothing";
    EXPECT_TRUE(PollUntil([&] { return GetFresh(node_->port(), "/readyz").status == 200; },
                          kFaultDeadline));
  }

  // accounts.credits_used as the node's SQLite store holds it (read-only), or -1.
  int64_t StoredCreditsUsed() {
    sqlite3* db = nullptr;
    int64_t used = -1;
    const std::string path = node_->data_dir() + "/keyward.db";
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_busy_timeout(db, 2000);
      sqlite3_stmt* st = nullptr;
      const char* sql = "SELECT credits_used FROM accounts WHERE id = ?";
      if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, account_.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW) used = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
      }
    }
    sqlite3_close(db);
    return used;
  }

  std::unique_ptr<KeywardProcess> node_;
  std::string admin_;
  std::string account_;
  Headers auth_;
  CreatedKey key_;
  std::set<std::string> acked_;
};

TEST_F(RedisFaultTest, AnswersSlowerThanTheTimeoutFailClosedWithinTheBound) {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  StartNode("closed", proxy.port());
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);

  proxy.SetLatency(milliseconds(kTimeoutMs * 8));
  ExpectClosed();
  proxy.Heal();
  // A command held past the time-out still reaches Redis late: its charge may land although the
  // client got 503 (the refund of such late charges is API.md 16.1's fourth point, issue 18), so
  // the balance is only checked not to reset here.
  ExpectRecoveredFrom(before, /*exact_balance=*/false);
}

TEST_F(RedisFaultTest, ABlackHoleFailsClosedWithinTheBoundAndChargesNothing) {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  StartNode("closed", proxy.port());
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);

  proxy.BlackHole();
  ExpectClosed();
  proxy.Heal();
  ExpectRecoveredFrom(before);
}

TEST_F(RedisFaultTest, ResetConnectionsFailClosedAndChargeNothing) {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  StartNode("closed", proxy.port());
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);

  proxy.Reset();
  ExpectClosed();
  EXPECT_GE(proxy.resets(), 1);
  proxy.Heal();
  ExpectRecoveredFrom(before);
}

TEST_F(RedisFaultTest, ABlackHoleFailsOpenForHeldKeysWhenConfigured) {
  RedisServer redis;
  FaultProxy proxy(redis.port());
  StartNode("open", proxy.port());
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);

  proxy.BlackHole();
  // A key this node holds passes, within the bound, without limits or charges.
  Verdict open = Check(key_.key);
  EXPECT_EQ(open.response.status, 200) << Describe(open.response);
  EXPECT_EQ(open.response.object().at("valid"), true) << Describe(open.response);
  EXPECT_LT(open.took, kAnswerBound);
  // Management writes still fail closed and change nothing.
  HttpClient c = node_->Client();
  EXPECT_TRUE(IsUnavailable(TryCreateKey(c, auth_, "while-open")));
  proxy.Heal();
  ExpectRecoveredFrom(before);
}

TEST_F(RedisFaultTest, ARestartWithPersistenceKeepsTheCounters) {
  RedisServerOptions persistent;
  persistent.extra_args = {"--appendonly", "yes", "--appendfsync", "always"};
  RedisServer redis(persistent);
  StartNode("closed", redis.port());
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);

  redis.Stop();
  ExpectClosed();
  redis.Start();  // same port, same append-only file
  ExpectRecoveredFrom(before);
}

TEST_F(RedisFaultTest, ARestartWithoutPersistenceNeverResetsTheBalance) {
  RedisServer redis;  // --save '' --appendonly no: it comes back empty
  StartNode("closed", redis.port());
  Verdict first = Check(key_.key);
  Verdict before = Check(key_.key);
  ASSERT_GE(before.balance, 0) << Describe(before.response);
  ASSERT_EQ(before.balance, first.balance - 1);

  // The store trails Redis by at most one usage flush (≤ 1 s): wait until it holds both charges.
  ASSERT_TRUE(
      PollUntil([&] { return StoredCreditsUsed() == 100 - before.balance; }, kFaultDeadline))
      << StoredCreditsUsed();

  redis.Stop();
  ExpectClosed();
  redis.Start();
  // Redis came back empty: the balance is seeded again from the store, so it continues exactly
  // where it was (it never goes back to the account's 100 credits).
  ExpectRecoveredFrom(before);
}

}  // namespace keyward_it::faults
