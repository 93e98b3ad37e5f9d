// Credits on the hot path (API.md 4): charged once, exactly, never below zero, never in test mode.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::TestServices;

ServiceSettings CostOne() {
  ServiceSettings s;
  s.default_cost = 1;
  s.plans["default"] = RateSpec{1'000'000, 1};
  return s;
}

TEST(Credits, ExactlyTheBalanceIsAllowedUnderConcurrency) {
  TestServices t(CostOne());
  const std::string account = t.NewAccount(50);
  auto key = t.NewKey(account);
  std::atomic<int> allowed{0}, quota{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 10; ++j) {
        Verdict v = t->verifier().Verify(key.key, "GET", "/");
        if (v.valid()) ++allowed;
        if (v.error == ErrorCode::kQuotaExceeded) ++quota;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 50);
  EXPECT_EQ(quota.load(), 50);
  ASSERT_TRUE(t->usage().Flush().ok());
  auto row = t->accounts().Get(account);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->credits, 0);
  EXPECT_EQ(row->credits_used, 50);
  auto stored = t->store().GetAccount(account);
  EXPECT_EQ((*stored)->credits, 0);  // the store caught up with the meter
  EXPECT_EQ((*stored)->credits_used, 50);
}

TEST(Credits, LiveFiguresIncludeWhatIsNotFlushedYet) {
  TestServices t(CostOne());
  const std::string account = t.NewAccount(10);
  auto key = t.NewKey(account);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());
  auto row = t->accounts().Get(account);
  EXPECT_EQ(row->credits, 7);
  EXPECT_EQ(row->credits_used, 3);
}

TEST(Credits, TestModeAndUnlimitedAccounts) {
  TestServices t(CostOne());
  const std::string limited = t.NewAccount(1);
  CreateTokenParams test_mode;
  test_mode.livemode = false;
  auto test_key = t.NewKey(limited, test_mode);
  for (int i = 0; i < 5; ++i) {
    Verdict v = t->verifier().Verify(test_key.key, "GET", "/");
    ASSERT_TRUE(v.valid());
    EXPECT_EQ(v.charged, 0);
  }
  EXPECT_EQ(t->accounts().Get(limited)->credits, 1);

  auto unlimited_key = t.NewKey(t.NewAccount(std::nullopt));
  Verdict v = t->verifier().Verify(unlimited_key.key, "GET", "/");
  ASSERT_TRUE(v.valid());
  EXPECT_EQ(v.charged, 1);
  EXPECT_EQ(v.balance, std::nullopt);
}

TEST(Credits, RefusedRequestsAreNotCharged) {
  ServiceSettings s = CostOne();
  s.plans["default"] = RateSpec{2, 60};
  TestServices t(s);
  const std::string account = t.NewAccount(10);
  auto key = t.NewKey(account);
  for (int i = 0; i < 5; ++i) (void)t->verifier().Verify(key.key, "GET", "/");  // 3 rate-limited
  EXPECT_EQ(t->accounts().Get(account)->credits, 8);
}

TEST(Credits, TopUpsCombineWithPendingCharges) {
  TestServices t(CostOne());
  const std::string account = t.NewAccount(2);
  auto key = t.NewKey(account);
  ASSERT_TRUE(t->verifier().Verify(key.key, "GET", "/").valid());  // pending 1, live balance 1
  auto topped = t->accounts().AddCredits(Principal::Admin({}), account, 5);
  ASSERT_TRUE(topped.ok());
  EXPECT_EQ(topped->credits, 6);
  auto cut = t->accounts().AddCredits(Principal::Admin({}), account, -100);
  EXPECT_EQ(cut->credits, 0);
  EXPECT_EQ(*t->verifier().Verify(key.key, "GET", "/").error, ErrorCode::kQuotaExceeded);
  ASSERT_TRUE(t->usage().Flush().ok());
  EXPECT_EQ((*t->store().GetAccount(account))->credits, 0);
  EXPECT_EQ((*t->store().GetAccount(account))->credits_used, 1);
}

TEST(Credits, DeferredChargeChecksFirstAndChargesOnlyWhenAsked) {
  TestServices t(CostOne());
  const std::string account = t.NewAccount(2);
  auto key = t.NewKey(account);
  Verdict v = t->verifier().Verify(key.key, "GET", "/", "", Consume::kDeferCharge);
  ASSERT_TRUE(v.valid()) << v.message;
  EXPECT_EQ(v.cost_due, 1);
  EXPECT_EQ(v.charged, 0);
  EXPECT_EQ(t->accounts().Get(account)->credits, 2);  // not charged yet (proxy: upstream unreached)
  ASSERT_TRUE(t->verifier().ChargeDeferred(v));
  EXPECT_EQ(v.charged, 1);
  EXPECT_EQ(v.cost_due, 0);
  EXPECT_EQ(v.balance, 1);
  EXPECT_EQ(t->accounts().Get(account)->credits, 1);

  // Two admitted while the balance holds one: the second charge is refused.
  Verdict a = t->verifier().Verify(key.key, "GET", "/", "", Consume::kDeferCharge);
  Verdict b = t->verifier().Verify(key.key, "GET", "/", "", Consume::kDeferCharge);
  ASSERT_TRUE(a.valid() && b.valid());
  EXPECT_TRUE(t->verifier().ChargeDeferred(a));
  EXPECT_FALSE(t->verifier().ChargeDeferred(b));
  EXPECT_EQ(b.error, ErrorCode::kQuotaExceeded);
  EXPECT_EQ(t->accounts().Get(account)->credits, 0);

  Verdict broke = t->verifier().Verify(key.key, "GET", "/", "", Consume::kDeferCharge);
  EXPECT_EQ(broke.error, ErrorCode::kQuotaExceeded);
}

}  // namespace
}  // namespace keyward
