// Two Services on one PostgreSQL database without Redis (the shared test server, a fresh database
// per test) keep each other's index in step through the store's own change feed.
#include <gtest/gtest.h>

#include "postgres_server.h"
#include "service/service_test_util.h"
#include "service/services.h"
#include "store/store.h"

namespace keyward {
namespace {

using keyward_test::PostgresServer;
using keyward_test::SharedPostgresServer;
using testing::Eventually;

// Two nodes (Services) on one PostgreSQL database, no Redis.
class PostgresServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = SharedPostgresServer().CreateDatabase();
    ServiceSettings settings;
    settings.negative_cache_seconds = 0;
    settings.store.resync_seconds = 1;
    for (auto* node : {&a_, &b_}) {
      Result<std::unique_ptr<Store>> store = OpenStore(db_.url);
      ASSERT_TRUE(store.ok()) << store.error().message();
      *node =
          std::make_unique<Services>(std::move(store).value(), settings, SystemClock::Instance());
      ASSERT_NE((*node)->index_sync(), nullptr) << "PostgreSQL without Redis has a change feed";
      ASSERT_TRUE((*node)->LoadIndex().ok());
    }
    ASSERT_TRUE(Eventually([&] { return a_->Readiness().ok() && b_->Readiness().ok(); }));
  }
  void TearDown() override {
    if (a_) a_->Shutdown();
    if (b_) b_->Shutdown();
  }
  static bool Valid(Services& node, const std::string& key) {
    return node.verifier().Verify(key, "GET", "/x").valid();
  }
  std::string NewAccount() {
    CreateAccountParams p;
    p.email = "pgfeed@example.com";
    auto row = a_->accounts().Create(Principal::Admin({}), p);
    EXPECT_TRUE(row.ok());
    return row.ok() ? row->id : "";
  }
  IssuedToken NewKey(Services& node, const std::string& account) {
    CreateTokenParams p;
    p.name = "k";
    auto issued = node.tokens().Create(Principal::Admin(account), p);
    EXPECT_TRUE(issued.ok()) << (issued.ok() ? "" : issued.error().message());
    return issued.ok() ? *issued : IssuedToken{};
  }

  PostgresServer::Database db_;
  std::unique_ptr<Services> a_;
  std::unique_ptr<Services> b_;
};

TEST_F(PostgresServicesTest, ARevocationOnOneNodeReachesTheOthersIndex) {
  const std::string account = NewAccount();
  IssuedToken key = NewKey(*a_, account);
  // B's index learns of the new key (announcement or resync) before anyone asks B about it.
  EXPECT_TRUE(Eventually([&] { return b_->index().Find(key.row.key_hash) != nullptr; }));
  EXPECT_TRUE(Valid(*b_, key.key));
  ASSERT_TRUE(b_->tokens().Revoke(Principal::Admin(account), key.row.id).ok());
  EXPECT_FALSE(Valid(*b_, key.key));
  EXPECT_TRUE(Eventually([&] { return !Valid(*a_, key.key); }));
}

TEST_F(PostgresServicesTest, AChangeMadeBehindKeywardsBackHealsByResync) {
  const std::string account = NewAccount();
  IssuedToken key = NewKey(*a_, account);
  ASSERT_TRUE(Eventually([&] { return Valid(*b_, key.key); }));
  // No NOTIFY: only the trigger's change sequence moves.
  SharedPostgresServer().Exec(
      "UPDATE tokens SET revoked_at = extract(epoch from now())::bigint "
      "WHERE id = '" +
          key.row.id + "'",
      db_.name);
  EXPECT_TRUE(Eventually([&] { return !Valid(*a_, key.key) && !Valid(*b_, key.key); }));
}

}  // namespace
}  // namespace keyward
