// PostgresListener: notifications sent through the store arrive; a server restart is reported
// once as kUnavailable and the listener then resubscribes by itself. Uses the shared test server.
#include "store/postgres/listener.h"

#include <gtest/gtest.h>

#include "postgres_server.h"
#include "store/postgres/postgres_store.h"

namespace keyward {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;

constexpr char kChannel[] = "keyward_changes";

// Waits (≤ 10 s in total) until a notification with `payload` arrives.
bool Receives(Listener& listener, const std::string& payload) {
  for (int i = 0; i < 100; ++i) {
    Result<std::vector<Notification>> got = listener.Wait(std::chrono::milliseconds(100));
    if (!got.ok()) continue;
    for (const Notification& n : *got) {
      if (n.channel == kChannel && n.payload == payload) return true;
    }
  }
  return false;
}

class PostgresListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = SharedPostgresServer().CreateDatabase();
    Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(db_.url);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
  }
  PostgresServer::Database db_;
  std::unique_ptr<PostgresStore> store_;
};

TEST_F(PostgresListenerTest, NotificationsArriveWithTheirPayload) {
  Result<std::unique_ptr<PostgresListener>> listener = PostgresListener::Open(db_.url, kChannel);
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  Result<std::vector<Notification>> none = (*listener)->Wait(std::chrono::milliseconds(10));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(store_->Notify(kChannel, "revoke tok_1").ok());
  EXPECT_TRUE(Receives(**listener, "revoke tok_1"));
  ASSERT_TRUE(store_->Notify("other_channel", "ignored").ok());
  ASSERT_TRUE(store_->Notify(kChannel, "it's \"quoted\"; DROP TABLE tokens").ok());
  EXPECT_TRUE(Receives(**listener, "it's \"quoted\"; DROP TABLE tokens"));
}

TEST_F(PostgresListenerTest, BadChannelNamesAreRefused) {
  for (const char* channel : {"", "Upper", "semi;colon", "space here"}) {
    Result<std::unique_ptr<PostgresListener>> l = PostgresListener::Open(db_.url, channel);
    ASSERT_FALSE(l.ok()) << channel;
    EXPECT_EQ(l.error().code(), ErrorCode::kInvalidRequest);
  }
}

TEST_F(PostgresListenerTest, AfterAServerRestartTheListenerSubscribesAgain) {
  Result<std::unique_ptr<PostgresListener>> listener = PostgresListener::Open(db_.url, kChannel);
  ASSERT_TRUE(listener.ok()) << listener.error().message();
  PostgresServer& server = SharedPostgresServer();
  keyward_test::ScopedStop stopped(server);
  bool reported = false;  // the loss is reported once the closed socket has been read
  for (int i = 0; i < 50 && !reported; ++i) {
    Result<std::vector<Notification>> lost = (*listener)->Wait(std::chrono::milliseconds(100));
    if (!lost.ok()) {
      EXPECT_EQ(lost.error().code(), ErrorCode::kUnavailable);
      reported = true;
    }
  }
  EXPECT_TRUE(reported);
  server.Start();
  Result<std::vector<Notification>> back = (*listener)->Wait(std::chrono::milliseconds(10));
  ASSERT_TRUE(back.ok()) << back.error().message();
  ASSERT_TRUE(store_->Notify(kChannel, "after restart").ok());
  EXPECT_TRUE(Receives(**listener, "after restart"));
}

}  // namespace
}  // namespace keyward
