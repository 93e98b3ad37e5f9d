// PostgresChangeFeed against a real PostgreSQL (the shared test server, a fresh database per
// test): announcements reach every node's listener, a reconnection is reported as a
// resubscription.
#include "store/postgres/postgres_change_feed.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/sha256.h"
#include "postgres_server.h"
#include "store/store_test_util.h"

namespace keyward {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
using testing_util::Eventually;

std::unique_ptr<PostgresStore> OpenPostgres(const PostgresServer::Database& db) {
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(db.url);
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Receives on `feed` (≤ 10 s in total) until `want` arrives; ORs the resubscribed flags seen.
bool ReceivesDigest(ChangeFeed& feed, const Digest& want, bool* resubscribed = nullptr) {
  for (int i = 0; i < 100; ++i) {
    Result<FeedBatch> batch = feed.Receive(std::chrono::milliseconds(100));
    if (!batch.ok()) continue;
    if (resubscribed) *resubscribed = *resubscribed || batch->resubscribed;
    for (const Digest& d : batch->changed) {
      if (d == want) return true;
    }
  }
  return false;
}

class PostgresChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = SharedPostgresServer().CreateDatabase();
    a_ = OpenPostgres(db_);
    b_ = OpenPostgres(db_);
    ASSERT_TRUE(a_ && b_);
  }
  PostgresServer::Database db_;
  std::unique_ptr<PostgresStore> a_;
  std::unique_ptr<PostgresStore> b_;
};

TEST_F(PostgresChangeFeedTest, AnnouncementsReachEveryNodeAndTheFirstReceiveResubscribes) {
  PostgresChangeFeed on_a(*a_);
  PostgresChangeFeed on_b(*b_);
  Result<FeedBatch> first_a = on_a.Receive(std::chrono::milliseconds(10));
  Result<FeedBatch> first_b = on_b.Receive(std::chrono::milliseconds(10));
  ASSERT_TRUE(first_a.ok()) << first_a.error().message();
  ASSERT_TRUE(first_b.ok()) << first_b.error().message();
  EXPECT_TRUE(first_a->resubscribed);
  EXPECT_TRUE(first_b->resubscribed);
  Result<FeedBatch> second = on_b.Receive(std::chrono::milliseconds(10));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->resubscribed);
  EXPECT_TRUE(second->changed.empty());

  // Noise on the channel (not a key hash) and other channels are ignored.
  ASSERT_TRUE(a_->Notify(PostgresChangeFeed::kDefaultChannel, "not a hash").ok());
  ASSERT_TRUE(a_->Notify("other_channel", DigestHex(Sha256("other"))).ok());
  const Digest d = Sha256("a key");
  ASSERT_TRUE(on_a.Announce(d).ok());
  bool resubscribed = false;
  EXPECT_TRUE(ReceivesDigest(on_b, d, &resubscribed));
  EXPECT_FALSE(resubscribed);
  EXPECT_TRUE(ReceivesDigest(on_a, d));  // the writer hears itself too (harmless)
}

TEST_F(PostgresChangeFeedTest, NodesOnOtherDatabasesDoNotHearEachOther) {
  PostgresServer::Database other = SharedPostgresServer().CreateDatabase();
  std::unique_ptr<PostgresStore> elsewhere = OpenPostgres(other);
  ASSERT_TRUE(elsewhere);
  PostgresChangeFeed here(*a_);
  PostgresChangeFeed there(*elsewhere);
  ASSERT_TRUE(there.Receive(std::chrono::milliseconds(10)).ok());
  ASSERT_TRUE(here.Receive(std::chrono::milliseconds(10)).ok());
  ASSERT_TRUE(here.Announce(Sha256("here only")).ok());
  const Digest marker = Sha256("marker");
  ASSERT_TRUE(there.Announce(marker).ok());
  // `there` receives its own marker, sent after ours: ours would have arrived first.
  for (int i = 0; i < 100; ++i) {
    Result<FeedBatch> batch = there.Receive(std::chrono::milliseconds(100));
    ASSERT_TRUE(batch.ok());
    bool done = false;
    for (const Digest& d : batch->changed) {
      EXPECT_NE(d, Sha256("here only"));
      done = done || d == marker;
    }
    if (done) return;
  }
  ADD_FAILURE() << "the marker never arrived";
}

TEST_F(PostgresChangeFeedTest, AServerRestartIsReportedThenTheFeedResubscribes) {
  PostgresChangeFeed feed(*b_);
  ASSERT_TRUE(feed.Receive(std::chrono::milliseconds(10)).ok());
  PostgresServer& server = SharedPostgresServer();
  keyward_test::ScopedStop stopped(server);
  bool reported = false;
  for (int i = 0; i < 50 && !reported; ++i) {
    Result<FeedBatch> lost = feed.Receive(std::chrono::milliseconds(100));
    if (!lost.ok()) {
      EXPECT_EQ(lost.error().code(), ErrorCode::kUnavailable);
      reported = true;
    }
  }
  ASSERT_TRUE(reported);
  EXPECT_FALSE(feed.Announce(Sha256("lost")).ok());  // the store is down too
  // Still down: every attempt fails, none claims a subscription.
  EXPECT_FALSE(feed.Receive(std::chrono::milliseconds(10)).ok());
  server.Start();
  Result<FeedBatch> back = feed.Receive(std::chrono::milliseconds(10));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->resubscribed);  // what was sent meanwhile is lost: the receiver resyncs
  const Digest d = Sha256("after restart");
  bool again = false;
  // The store's pool notices the restart on its first call and reconnects on the next.
  EXPECT_TRUE(Eventually([&] { return PostgresChangeFeed(*a_).Announce(d).ok(); }));
  EXPECT_TRUE(ReceivesDigest(feed, d, &again));
  EXPECT_FALSE(again);
}

}  // namespace
}  // namespace keyward
