// IndexSync and the degraded verifier, on a scratch SQLite store: node A (a TestServices) writes,
// node B (built here with its own index) follows through a fake ChangeFeed and resyncs.
#include "service/index_sync.h"

#include <gtest/gtest.h>

#include <deque>
#include <thread>

#include "core/mutex.h"
#include "core/sha256.h"
#include "limits/local_credit_meter.h"
#include "limits/local_limiter.h"
#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::Eventually;
using testing::TestServices;

// A feed whose announcements the test controls; "down" fails every call.
class FakeFeed final : public ChangeFeed {
 public:
  Status Announce(const Digest& d) override {
    MutexLock lock(mu_);
    if (down_) return Error(ErrorCode::kUnavailable, "fake feed down");
    queue_.push_back(d);
    return Status::Ok();
  }
  Result<FeedBatch> Receive(std::chrono::milliseconds wait) override {
    FeedBatch batch;
    {
      MutexLock lock(mu_);
      if (down_) return Error(ErrorCode::kUnavailable, "fake feed down");
      batch.resubscribed = !subscribed_;
      subscribed_ = true;
      batch.changed.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    if (batch.changed.empty() && !batch.resubscribed) {
      std::this_thread::sleep_for(std::min(wait, std::chrono::milliseconds(5)));
    }
    return batch;
  }
  void SetDown(bool down) {
    MutexLock lock(mu_);
    down_ = down;
    if (down) subscribed_ = false;
  }

 private:
  Mutex mu_;
  std::deque<Digest> queue_ GUARDED_BY(mu_);
  bool down_ GUARDED_BY(mu_) = false;
  bool subscribed_ GUARDED_BY(mu_) = false;
};

// A limiter that cannot be reached.
class DownLimiter final : public Limiter {
 public:
  LimitOutcome Take(std::span<const BucketRequest>, int64_t) override {
    LimitOutcome o;
    o.unavailable = true;
    return o;
  }
};

// Node B: its own index, directory and verifier over node A's store.
struct NodeB {
  NodeB(Store& store, const Clock& clock, ServiceSettings s, Limiter* limiter = nullptr)
      : settings(std::move(s)),
        format(settings.prefixes),
        directory(store, credits, settings),
        usage(store, credits, std::chrono::milliseconds(50)),
        limits(limiter ? *limiter : local_limiter, credits),
        verifier(store, index, directory, limits, usage, settings, format, clock),
        sync(store, index, directory, feed, nullptr, std::chrono::milliseconds(100)) {}

  bool Valid(const std::string& key) { return verifier.Verify(key, "GET", "/x").valid(); }

  ServiceSettings settings;
  KeyFormat format;
  LocalLimiter local_limiter;
  LocalCreditMeter credits;
  KeyIndex index;
  AccountDirectory directory;
  UsageRecorder usage;
  TwoStepLimitsAndCredits limits;
  Verifier verifier;
  FakeFeed feed;
  IndexSync sync;
};

TEST(IndexSyncTest, ResyncAppliesARevocationMadeElsewhere) {
  TestServices a;
  NodeB b(*a.store_ptr, a.clock, ServiceSettings{});
  const std::string account = a.NewAccount();
  IssuedToken key = a.NewKey(account);
  EXPECT_TRUE(b.Valid(key.key));  // B finds it in the store and keeps it
  auto cursor = a.store_ptr->TokenChangeCursor();
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(a->tokens().Revoke(Principal::Admin(account), key.row.id).ok());
  EXPECT_TRUE(b.Valid(key.key));  // no announcement: B still holds the old record
  b.sync.Start(*cursor);
  b.sync.Stop();
  ASSERT_TRUE(b.sync.Resync().ok());
  EXPECT_FALSE(b.Valid(key.key));
  EXPECT_GE(b.sync.applied(), 1u);
}

TEST(IndexSyncTest, AnnouncementsReachTheIndexAndCatchUpIsReported) {
  TestServices a;
  NodeB b(*a.store_ptr, a.clock, ServiceSettings{});
  const std::string account = a.NewAccount();
  IssuedToken key = a.NewKey(account);
  EXPECT_TRUE(b.Valid(key.key));
  EXPECT_FALSE(b.sync.caught_up());
  b.sync.Start(*a.store_ptr->TokenChangeCursor());
  EXPECT_TRUE(Eventually([&] { return b.sync.caught_up(); }));

  a->tokens().set_notifier(&b.sync);  // A's writes announce on B's feed
  ASSERT_TRUE(a->tokens().Revoke(Principal::Admin(account), key.row.id).ok());
  EXPECT_TRUE(Eventually([&] { return !b.Valid(key.key); }));

  b.feed.SetDown(true);
  EXPECT_TRUE(Eventually([&] { return !b.sync.caught_up(); }));
  EXPECT_NE(b.sync.why_not_caught_up().find("change feed is down"), std::string::npos);
  // While the feed is down, the store is polled: a new revocation still arrives.
  IssuedToken second = a.NewKey(account);
  EXPECT_TRUE(b.Valid(second.key));
  ASSERT_TRUE(a->tokens().Revoke(Principal::Admin(account), second.row.id).ok());
  EXPECT_TRUE(Eventually([&] { return !b.Valid(second.key); }));
  b.feed.SetDown(false);
  EXPECT_TRUE(Eventually([&] { return b.sync.caught_up(); }));
  a->tokens().set_notifier(nullptr);
  b.sync.Stop();
}

TEST(IndexSyncTest, WritesAreRefusedWhileRedisIsDown) {
  TestServices a;
  bool up = true;
  FakeFeed feed;
  KeyIndex index;
  LocalCreditMeter credits;
  ServiceSettings settings;
  AccountDirectory directory(*a.store_ptr, credits, settings);
  IndexSync gate(
      *a.store_ptr, a->index(), directory, feed,
      [&up] { return up ? Status::Ok() : Status(Error(ErrorCode::kUnavailable, "x")); },
      std::chrono::seconds(10));
  a->tokens().set_notifier(&gate);
  a->accounts().set_notifier(&gate);
  const std::string account = a.NewAccount();
  CreateTokenParams params;
  params.name = "k";
  up = false;
  auto refused = a->tokens().Create(Principal::Admin(account), params);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnavailable);
  auto page = a.store_ptr->ListTokens(account, TokenFilter::kAll, 0, ListOptions{});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());  // nothing written
  auto credit = a->accounts().AddCredits(Principal::Admin({}), account, 5);
  ASSERT_FALSE(credit.ok());
  EXPECT_EQ(credit.error().code(), ErrorCode::kUnavailable);
  up = true;
  EXPECT_TRUE(a->tokens().Create(Principal::Admin(account), params).ok());
  a->tokens().set_notifier(nullptr);
  a->accounts().set_notifier(nullptr);
}

TEST(KeyIndex, PublishMonotonicNeverResurrectsOrExtends) {
  KeyIndex index;
  Digest d = Sha256("k");
  auto rec = [](bool revoked, std::optional<int64_t> expires) {
    auto r = std::make_shared<KeyRecord>();
    r->revoked = revoked;
    r->expires_at = expires;
    return KeyRecordPtr(r);
  };
  EXPECT_TRUE(index.PublishMonotonic(d, rec(false, std::nullopt)));
  EXPECT_TRUE(index.PublishMonotonic(d, rec(false, 100)));   // an expiry is earlier than none
  EXPECT_FALSE(index.PublishMonotonic(d, rec(false, 200)));  // never later
  EXPECT_FALSE(index.PublishMonotonic(d, rec(false, std::nullopt)));
  EXPECT_EQ(index.Find(d)->expires_at, 100);
  EXPECT_TRUE(index.PublishMonotonic(d, rec(true, 100)));
  EXPECT_FALSE(index.PublishMonotonic(d, rec(false, 50)));  // a revocation is final
  EXPECT_TRUE(index.Find(d)->revoked);
}

TEST(KeyIndex, VersionedRecordsMoveEveryWayButNeverBack) {
  KeyIndex index;
  Digest d = Sha256("k");
  auto rec = [](int64_t version, bool disabled, bool revoked = false) {
    auto r = std::make_shared<KeyRecord>();
    r->version = version;
    r->disabled = disabled;
    r->revoked = revoked;
    return KeyRecordPtr(r);
  };
  index.Publish(d, rec(0, false));                        // a fresh local create: no version
  EXPECT_TRUE(index.PublishMonotonic(d, rec(5, true)));   // a store row is newer than it
  EXPECT_TRUE(index.PublishMonotonic(d, rec(7, false)));  // an enable: backwards is fine
  EXPECT_FALSE(index.PublishMonotonic(d, rec(6, true)));  // a late message: older
  EXPECT_FALSE(index.PublishMonotonic(d, rec(7, true)));  // the same version: no change
  EXPECT_FALSE(index.Find(d)->disabled);
  index.Publish(d, rec(6, true));  // a slow local write: older, ignored
  EXPECT_FALSE(index.Find(d)->disabled);
  EXPECT_EQ(index.Find(d)->version, 7);
  index.Publish(d, rec(8, true));
  EXPECT_TRUE(index.Find(d)->disabled);
  Digest fresh = Sha256("fresh");
  index.Publish(fresh, rec(0, false, /*revoked=*/true));
  EXPECT_FALSE(index.PublishMonotonic(fresh, rec(3, false)));  // a revocation stays final
}

TEST(IndexSyncTest, AnnouncedTokenAndAccountChangesReachNodeB) {
  TestServices a;
  ServiceSettings roomy;  // B's polling must not run into the per-key limit
  roomy.plans["default"] = RateSpec{1'000'000, 60};
  NodeB b(*a.store_ptr, a.clock, roomy);
  const std::string account = a.NewAccount();
  IssuedToken key = a.NewKey(account);
  EXPECT_TRUE(b.Valid(key.key));
  b.sync.Start(*a.store_ptr->TokenChangeCursor(), *a.store_ptr->AccountChangeCursor());
  EXPECT_TRUE(Eventually([&] { return b.sync.caught_up(); }));
  a->tokens().set_notifier(&b.sync);
  a->accounts().set_notifier(&b.sync);

  ASSERT_TRUE(a->tokens().SetDisabled(Principal::Admin(account), key.row.id, true).ok());
  EXPECT_TRUE(Eventually([&] { return !b.Valid(key.key); }));
  EXPECT_EQ(b.verifier.Verify(key.key, "GET", "/x").message, "The API key is disabled.");
  ASSERT_TRUE(a->tokens().SetDisabled(Principal::Admin(account), key.row.id, false).ok());
  EXPECT_TRUE(Eventually([&] { return b.Valid(key.key); }));

  ASSERT_TRUE(a->accounts().SetDisabled(Principal::Admin(account), account, true).ok());
  EXPECT_TRUE(Eventually([&] { return !b.Valid(key.key); }));
  EXPECT_EQ(b.verifier.Verify(key.key, "GET", "/x").message, "The account is disabled.");
  ASSERT_TRUE(a->accounts().SetDisabled(Principal::Admin(account), account, false).ok());
  EXPECT_TRUE(Eventually([&] { return b.Valid(key.key); }));

  UpdateAccountParams limit;
  limit.set_rate_limit = true;
  limit.rate_limit = "7/min";
  ASSERT_TRUE(a->accounts().Update(Principal::Admin(account), account, limit).ok());
  EXPECT_TRUE(Eventually([&] {
    Verdict v = b.verifier.Verify(key.key, "GET", "/x");
    return v.ratelimit && v.ratelimit->limit == 7;
  }));
  a->tokens().set_notifier(nullptr);
  a->accounts().set_notifier(nullptr);
  b.sync.Stop();
}

class DegradedVerifierTest : public ::testing::TestWithParam<bool> {};

TEST_P(DegradedVerifierTest, UnreachableLimiterFailsClosedOrOpensForHeldKeys) {
  const bool open = GetParam();
  TestServices a;
  const std::string account = a.NewAccount();
  IssuedToken held = a.NewKey(account);
  IssuedToken fresh = a.NewKey(account);
  DownLimiter down;
  ServiceSettings s;
  s.redis.fail_open = open;
  NodeB b(*a.store_ptr, a.clock, s, &down);
  // Make `held` known to B's index (as a start-up load would).
  auto row = a.store_ptr->FindTokenByHash(held.row.key_hash);
  auto info = b.directory.Get(account);
  ASSERT_TRUE(row.ok() && row->has_value() && info.ok() && *info);
  b.index.Publish(held.row.key_hash, MakeRecord(**row, *info));

  Verdict v = b.verifier.Verify(held.key, "GET", "/x");
  if (open) {
    EXPECT_TRUE(v.valid());
    EXPECT_FALSE(v.ratelimit.has_value());  // no limits
    EXPECT_EQ(v.charged, 0);
  } else {
    ASSERT_FALSE(v.valid());
    EXPECT_EQ(*v.error, ErrorCode::kUnavailable);
  }
  // A key B did not hold is UNAVAILABLE either way; unknown keys stay unknown.
  Verdict f = b.verifier.Verify(fresh.key, "GET", "/x");
  ASSERT_FALSE(f.valid());
  EXPECT_EQ(*f.error, ErrorCode::kUnavailable);
  Verdict unknown = b.verifier.Verify(b.format.GenerateApiKey(KeyType::kSecret, true), "GET", "/x");
  ASSERT_FALSE(unknown.valid());
  EXPECT_EQ(*unknown.error, ErrorCode::kUnauthorized);
  // Management admission always fails closed.
  Verdict m = b.verifier.AdmitManagement(b.index.Find(held.row.key_hash));
  ASSERT_FALSE(m.valid());
  EXPECT_EQ(*m.error, ErrorCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(OnUnavailable, DegradedVerifierTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Open" : "Closed"; });

}  // namespace
}  // namespace keyward
