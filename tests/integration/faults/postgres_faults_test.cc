// PostgreSQL store faults under a running node (API.md 16.1, issue 19): the server restarting,
// connections reset (all of them, and one in the middle of a request's transaction) through the
// fault proxy, and a connection that breaks around COMMIT — the unknown outcome, which a retry
// with the same Idempotency-Key must replay (when it committed) or run (when it did not), never
// do twice. Each asserts what the client saw (503 UNAVAILABLE, Retry-After, our sentence), that
// no acknowledged write was lost and no refused one left anything, that known keys kept
// verifying, and that the same process recovered by itself.
#include <chrono>
#include <cstdio>
#include <set>

#include "fault_proxy.h"
#include "faults/fault_checks.h"
#include "postgres_server.h"

namespace keyward_it::faults {

using keyward_test::FaultProxy;
using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;

// postgres://user:password@127.0.0.1:PORT/db with PORT replaced.
inline std::string WithPort(const std::string& url, uint16_t port) {
  const size_t at = url.rfind('@');
  const size_t colon = url.find(':', at);
  const size_t slash = url.find('/', colon);
  return url.substr(0, colon + 1) + std::to_string(port) + url.substr(slash);
}

class PostgresFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = SharedPostgresServer().CreateDatabase();
    proxy_ = std::make_unique<FaultProxy>(SharedPostgresServer().port());
  }

  // A node whose store URL goes through the proxy (or straight to the server), once ready.
  std::unique_ptr<KeywardProcess> StartNode(bool through_proxy) {
    KeywardOptions options;
    const std::string url = through_proxy ? WithPort(db_.url, proxy_->port()) : db_.url;
    auto node = std::make_unique<KeywardProcess>(options, url);
    EXPECT_TRUE(
        PollUntil([&] { return GetFresh(node->port(), "/readyz").status == 200; }, kFaultDeadline));
    return node;
  }

  // The node's own account and key, acknowledged before any fault.
  void Populate(KeywardProcess& node) {
    HttpClient c = node.Client();
    admin_ = node.admin_key();
    account_ = CreateAccount(c, admin_);
    auth_ = AdminFor(admin_, account_);
    known_ = CreateKey(c, auth_);
    acked_.insert(known_.id);
    ASSERT_TRUE(PollUntil([&] { return Verifies(c, known_.key); }, kFaultDeadline));
  }

  // Polls until a write succeeds again (same process); records it as acknowledged.
  void ExpectWritesRecover(KeywardProcess& node, const std::string& name) {
    const pid_t pid = node.pid();
    HttpClient c = node.Client();
    Response after;
    ASSERT_TRUE(PollUntil(
        [&] {
          after = TryCreateKey(c, auth_, name);
          return after.status == 200;
        },
        kFaultDeadline))
        << Describe(after);
    EXPECT_EQ(node.pid(), pid) << "recovered without a restart";
    acked_.insert(std::string(after.object().at("id").as_string()));
  }

  std::set<std::string> Stored(KeywardProcess& node) {
    HttpClient c = node.Client();
    std::vector<std::string> ids = TokenIds(c, auth_);
    return {ids.begin(), ids.end()};
  }

  PostgresServer::Database db_;
  std::unique_ptr<FaultProxy> proxy_;
  std::string admin_;
  std::string account_;
  Headers auth_;
  CreatedKey known_;
  std::set<std::string> acked_;
};

TEST_F(PostgresFaultTest, ARestartingServerGets503AndTheNodeRecoversByItself) {
  auto node = StartNode(/*through_proxy=*/false);
  Populate(*node);
  HttpClient c = node->Client();

  {
    keyward_test::ScopedStop down(SharedPostgresServer());
    Response refused = TryCreateKey(c, auth_, "while-down");
    EXPECT_TRUE(IsUnavailable(refused));
    EXPECT_TRUE(Verifies(c, known_.key)) << "known keys verify from memory";
    Response ready = GetFresh(node->port(), "/readyz");
    EXPECT_EQ(ready.status, 503) << Describe(ready);
    EXPECT_NE(MessageOf(ready).find("The store does not answer"), std::string::npos)
        << Describe(ready);
    EXPECT_EQ(ready.body.find(db_.password), std::string::npos) << "no password in /readyz";
    EXPECT_EQ(GetFresh(node->port(), "/healthz").status, 200);
    SharedPostgresServer().Start();
  }
  ExpectWritesRecover(*node, "after-restart");
  EXPECT_TRUE(
      PollUntil([&] { return GetFresh(node->port(), "/readyz").status == 200; }, kFaultDeadline));
  EXPECT_EQ(Stored(*node), acked_);
}

TEST_F(PostgresFaultTest, ResetConnectionsGet503AndTheNodeRecoversWhenTheyHeal) {
  auto node = StartNode(/*through_proxy=*/true);
  Populate(*node);
  HttpClient c = node->Client();

  proxy_->Reset();  // every connection, and every new one, until healed
  Response refused = TryCreateKey(c, auth_, "while-reset");
  EXPECT_TRUE(IsUnavailable(refused));
  EXPECT_TRUE(Verifies(c, known_.key));
  EXPECT_EQ(GetFresh(node->port(), "/readyz").status, 503);
  EXPECT_GE(proxy_->resets(), 1);
  proxy_->Heal();
  ExpectWritesRecover(*node, "after-reset");
  EXPECT_EQ(Stored(*node), acked_);
}

TEST_F(PostgresFaultTest, AConnectionResetMidTransactionLeavesNoHalfWrite) {
  auto node = StartNode(/*through_proxy=*/true);
  Populate(*node);
  HttpClient c = node->Client();

  // The reset comes right after the request's INSERT reached the server (its bound values carry
  // the unique name), before its COMMIT: the server rolls the transaction back.
  const std::string name = "mid-transaction-" + account_;
  proxy_->ResetAfter(name, /*forward=*/true);
  Response refused = TryCreateKey(c, auth_, name);
  ASSERT_TRUE(proxy_->triggered());
  EXPECT_TRUE(IsUnavailable(refused));
  EXPECT_TRUE(Verifies(c, known_.key));
  ExpectWritesRecover(*node, "after-mid-transaction");
  const std::set<std::string> stored = Stored(*node);
  EXPECT_EQ(stored, acked_) << "the interrupted create left nothing";
  // Not its event either: the account's events name only acknowledged tokens.
  Response events = c.Get("/v1/events?limit=100", auth_);
  ASSERT_EQ(events.status, 200) << Describe(events);
  EXPECT_EQ(events.body.find(name), std::string::npos) << events.body;
}

// The client sent a create with an Idempotency-Key; its COMMIT reached the server, which
// committed, but the answer never came back (503). The retry replays the committed outcome.
TEST_F(PostgresFaultTest, AnUnknownOutcomeThatCommittedIsReplayedNotRunTwice) {
  auto node = StartNode(/*through_proxy=*/true);
  Populate(*node);
  HttpClient c = node->Client();
  const std::string name = "unknown-outcome-" + account_;
  const Headers idem = {{"Idempotency-Key", "retry-" + account_}};

  proxy_->ResetAfter("COMMIT", /*forward=*/true, /*after=*/name);
  Response first = TryCreateKey(c, auth_, name, idem);
  ASSERT_TRUE(proxy_->triggered()) << Describe(first);
  EXPECT_TRUE(IsUnavailable(first)) << "the outcome is unknown to keyward: 503";

  Response retry;
  ASSERT_TRUE(PollUntil(
      [&] {
        retry = TryCreateKey(c, auth_, name, idem);
        return retry.status == 200;
      },
      kFaultDeadline))
      << Describe(retry);
  EXPECT_EQ(retry.header("Idempotent-Replayed").value_or(""), "true") << Describe(retry);
  EXPECT_FALSE(retry.object().contains("key")) << "a replay never holds the plaintext key";
  const std::string id(retry.object().at("id").as_string());
  EXPECT_EQ(retry.object().at("name"), name.c_str());
  acked_.insert(id);
  EXPECT_EQ(Stored(*node), acked_) << "created exactly once";
  // Retrying again still replays the same object.
  Response again = TryCreateKey(c, auth_, name, idem);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.object().at("id"), id.c_str());
}

// The same, but the COMMIT never reached the server: the transaction rolled back, and the retry
// runs the request (once).
TEST_F(PostgresFaultTest, AnUnknownOutcomeThatNeverCommittedRunsOnRetry) {
  auto node = StartNode(/*through_proxy=*/true);
  Populate(*node);
  HttpClient c = node->Client();
  const std::string name = "never-committed-" + account_;
  const Headers idem = {{"Idempotency-Key", "retry-" + account_}};

  proxy_->ResetAfter("COMMIT", /*forward=*/false, /*after=*/name);
  Response first = TryCreateKey(c, auth_, name, idem);
  ASSERT_TRUE(proxy_->triggered()) << Describe(first);
  EXPECT_TRUE(IsUnavailable(first));

  Response retry;
  ASSERT_TRUE(PollUntil(
      [&] {
        retry = TryCreateKey(c, auth_, name, idem);
        return retry.status == 200;
      },
      kFaultDeadline))
      << Describe(retry);
  EXPECT_FALSE(retry.has_header("Idempotent-Replayed")) << "it ran: " << Describe(retry);
  EXPECT_TRUE(retry.object().contains("key")) << "a fresh create shows its key once";
  acked_.insert(std::string(retry.object().at("id").as_string()));
  EXPECT_EQ(Stored(*node), acked_) << "created exactly once";
}

// A real failover: a primary with a synchronous streaming standby (so an acknowledged commit is on
// both), the node given both through libpq's multi-host URL with target_session_attrs=read-write.
// The primary dies: writes get 503 (the standby is read-only, libpq refuses it) while known keys
// verify; the standby is promoted: the same node writes again, on it, with every acknowledged
// write there.
TEST_F(PostgresFaultTest, FailoverToAPromotedStandbyThroughAMultiHostUrl) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto phase = [&](const char* what) {
    std::printf("[ measured ] %s at %lld ms\n", what,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - t0)
                                           .count()));
  };
  PostgresServer primary;
  PostgresServer::Database db = primary.CreateDatabase();
  PostgresServer standby(PostgresServer::StandbyOf{primary});
  const auto streaming = [&](const char* state_column, const char* value) {
    return PollUntil(
        [&] {
          return primary.Query(std::string("SELECT count(*) FROM pg_stat_replication WHERE ") +
                                   state_column + " = '" + value + "'",
                               "postgres") == "1";
        },
        kFaultDeadline);
  };
  ASSERT_TRUE(streaming("state", "streaming")) << standby.LogTail();
  primary.Exec("ALTER SYSTEM SET synchronous_standby_names = '*'");
  primary.Exec("SELECT pg_reload_conf()");
  ASSERT_TRUE(streaming("sync_state", "sync"));
  phase("synchronous standby streaming");

  const std::string url = "postgres://" + db.user + ":" + db.password +
                          "@127.0.0.1:" + std::to_string(primary.port()) +
                          ",127.0.0.1:" + std::to_string(standby.port()) + "/" + db.name +
                          "?target_session_attrs=read-write";
  auto node = std::make_unique<KeywardProcess>(KeywardOptions{}, url);
  ASSERT_TRUE(
      PollUntil([&] { return GetFresh(node->port(), "/readyz").status == 200; }, kFaultDeadline))
      << node->LogTail();
  Populate(*node);
  HttpClient c = node->Client();
  for (int i = 0; i < 3; ++i) {
    acked_.insert(CreateKey(c, auth_).id);
  }

  phase("node ready and populated");
  primary.Stop();
  phase("primary stopped");
  Response refused = TryCreateKey(c, auth_, "no-primary");
  EXPECT_TRUE(IsUnavailable(refused));
  EXPECT_TRUE(Verifies(c, known_.key));

  phase("write refused");
  standby.Promote();
  phase("standby promoted");
  ExpectWritesRecover(*node, "on-the-new-primary");
  phase("writes recovered");
  EXPECT_EQ(Stored(*node), acked_) << "every acknowledged write survived the failover";
  EXPECT_TRUE(Verifies(c, known_.key));
  EXPECT_EQ(standby.Query("SELECT pg_is_in_recovery()", "postgres"), "f");
}

}  // namespace keyward_it::faults
