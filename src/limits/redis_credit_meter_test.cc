// RedisCreditMeter against a real redis-server: exact charges across threads, never below zero,
// usage taken exactly once, top-ups applied once, seeding from the store after Redis lost data.
#include "limits/redis_credit_meter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "limits/redis_limiter.h"
#include "limits/redis_test_util.h"
#include "redis_server.h"

namespace keyward {
namespace {

class RedisCreditMeterTest : public ::testing::Test {
 protected:
  // The "store": balances the loader answers with.
  std::map<std::string, std::optional<int64_t>> stored_;
  keyward_test::RedisServer server_;
  RedisPool pool_{OptionsFor(server_)};
  RedisCreditMeter meter_{pool_,
                          [this](std::string_view id) -> Result<std::optional<StoredBalance>> {
                            auto it = stored_.find(std::string(id));
                            if (it == stored_.end()) return std::optional<StoredBalance>();
                            return std::optional<StoredBalance>(StoredBalance{it->second});
                          },
                          "t:"};

  int64_t TotalTaken() {
    int64_t total = 0;
    for (const CreditUsage& u : meter_.TakeUsage()) total += u.used;
    return total;
  }
};

TEST_F(RedisCreditMeterTest, LoadSeedsOnceAndKeepsTheNewerFigure) {
  EXPECT_EQ(meter_.Load("acct_a", 10), 10);
  EXPECT_TRUE(meter_.Charge("acct_a", 3).allowed);
  EXPECT_EQ(meter_.Load("acct_a", 10), 7);  // Redis's figure is newer than the store's
  auto snap = meter_.Snapshot("acct_a");
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->balance, 7);
  EXPECT_EQ(snap->pending_used, 3);
}

TEST_F(RedisCreditMeterTest, ChargesExactlyAcrossThreadsAndNeverBelowZero) {
  meter_.Load("acct_b", 50);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        CreditCharge c = meter_.Charge("acct_b", 1);
        EXPECT_FALSE(c.unavailable);
        if (c.allowed) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 50);
  CreditCharge refused = meter_.Charge("acct_b", 1);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.balance, 0);
  EXPECT_EQ(TotalTaken(), 50);
  EXPECT_EQ(TotalTaken(), 0);  // taken once
}

TEST_F(RedisCreditMeterTest, UnlimitedAccountsAreChargedForUsageOnly) {
  meter_.Load("acct_c", std::nullopt);
  CreditCharge c = meter_.Charge("acct_c", 5);
  EXPECT_TRUE(c.allowed);
  EXPECT_EQ(c.balance, std::nullopt);
  EXPECT_EQ(TotalTaken(), 5);
}

TEST_F(RedisCreditMeterTest, ReturnedUsageIsTakenAgain) {
  meter_.Load("acct_d", 10);
  meter_.Charge("acct_d", 4);
  std::vector<CreditUsage> taken = meter_.TakeUsage();
  ASSERT_EQ(taken.size(), 1u);
  meter_.ReturnUsage(taken);
  EXPECT_EQ(TotalTaken(), 4);
}

TEST_F(RedisCreditMeterTest, TopUpAddsToTheLiveBalanceOnce) {
  meter_.Load("acct_e", 10);
  meter_.Charge("acct_e", 4);     // live 6, pending 4, store still 10
  meter_.TopUp("acct_e", 5, 15);  // store now 15; live must be 11
  EXPECT_EQ(meter_.Snapshot("acct_e")->balance, 11);
  meter_.TopUp("acct_e", -100, 0);  // never below zero
  EXPECT_EQ(meter_.Snapshot("acct_e")->balance, 0);
}

TEST_F(RedisCreditMeterTest, TopUpWhileRedisIsDownIsAppliedWhenItReturns) {
  meter_.Load("acct_f", 10);
  server_.Stop();
  meter_.TopUp("acct_f", 5, 15);
  EXPECT_EQ(meter_.PendingTopUps(), 1u);
  EXPECT_TRUE(meter_.Charge("acct_f", 1).unavailable);
  server_.Start();  // lost everything: the balance is seeded from the store (15)
  stored_["acct_f"] = 15;
  for (int i = 0; i < 200 && meter_.PendingTopUps() > 0; ++i) {
    (void)meter_.TakeUsage();
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // reconnect backoff
  }
  EXPECT_EQ(meter_.PendingTopUps(), 0u);
  EXPECT_EQ(meter_.Snapshot("acct_f")->balance, 15);
}

TEST_F(RedisCreditMeterTest, ALostBalanceIsSeededFromTheStoreNotReset) {
  meter_.Load("acct_g", 100);
  meter_.Charge("acct_g", 30);
  EXPECT_EQ(TotalTaken(), 30);
  stored_["acct_g"] = 70;  // the flush reached the store
  EXPECT_EQ(server_.Command("FLUSHALL"), "+OK");
  CreditCharge c = meter_.Charge("acct_g", 1);
  EXPECT_TRUE(c.allowed);
  EXPECT_EQ(c.balance, 69);
}

// The RedisLimiter's combined call: limits and credits in one script.
TEST_F(RedisCreditMeterTest, TakeThenChargeDoesLimitsAndCreditsTogether) {
  RedisLimiter limiter(pool_, "t:");
  meter_.Load("acct_h", 2);
  BucketRequest r{"tok_h", RateSpec{3, 60}, 1};
  const int64_t now = int64_t{1'800'000'000} * 1'000'000'000;
  for (int i = 0; i < 2; ++i) {
    CreditCharge c;
    LimitOutcome o = limiter.TakeThenCharge(std::span(&r, 1), now, meter_, "acct_h", 1, &c);
    ASSERT_TRUE(o.allowed);
    EXPECT_TRUE(c.allowed);
    EXPECT_EQ(c.balance, 1 - i);
  }
  CreditCharge broke;
  LimitOutcome third = limiter.TakeThenCharge(std::span(&r, 1), now, meter_, "acct_h", 1, &broke);
  EXPECT_TRUE(third.allowed);  // the limit allowed (and was taken); the credits refused
  EXPECT_FALSE(broke.allowed);
  EXPECT_EQ(broke.balance, 0);
  CreditCharge untouched;
  untouched.balance = 42;
  LimitOutcome limited =
      limiter.TakeThenCharge(std::span(&r, 1), now, meter_, "acct_h", 1, &untouched);
  EXPECT_FALSE(limited.allowed);
  EXPECT_EQ(untouched.balance, 42);  // no credit step when the limits refuse
  EXPECT_EQ(TotalTaken(), 2);

  // Cost 0 reads the balance; an account Redis lost is seeded from the store.
  stored_["acct_i"] = 7;
  BucketRequest other{"tok_i", RateSpec{3, 60}, 1};
  CreditCharge read;
  EXPECT_TRUE(
      limiter.TakeThenCharge(std::span(&other, 1), now, meter_, "acct_i", 0, &read).allowed);
  EXPECT_TRUE(read.allowed);
  CreditCharge seeded;
  EXPECT_TRUE(
      limiter.TakeThenCharge(std::span(&other, 1), now, meter_, "acct_i", 2, &seeded).allowed);
  EXPECT_TRUE(seeded.allowed);
  EXPECT_EQ(seeded.balance, 5);
  CreditCharge after;
  limiter.TakeThenCharge(std::span(&other, 1), now, meter_, "acct_i", 0, &after);
  EXPECT_EQ(after.balance, 5);
}

TEST_F(RedisCreditMeterTest, UnknownAccountIsRefused) {
  CreditCharge c = meter_.Charge("acct_nobody", 1);
  EXPECT_FALSE(c.allowed);
  EXPECT_FALSE(c.unavailable);
}

}  // namespace
}  // namespace keyward
