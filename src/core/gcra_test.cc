#include "core/gcra.h"

#include <gtest/gtest.h>

#include "core/test_util.h"

namespace keyward {
namespace {

constexpr int64_t kNow = 1'700'000'000 * kSec;
const RateSpec k30PerMin{.limit = 30, .window_seconds = 60};  // T = 2 s
constexpr int64_t kT = 2 * kSec;

TEST(Gcra, FullBucketAdmitsBurstThenRefuses) {
  int64_t tat = 0;  // never used: any TAT in the past means full
  for (int i = 1; i <= 30; ++i) {
    const GcraDecision d = GcraTake(tat, kNow, k30PerMin);
    ASSERT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.limit, 30);
    EXPECT_EQ(d.remaining, 30 - i);
    EXPECT_EQ(d.retry_after_ns, 0);
    EXPECT_EQ(d.new_tat, kNow + i * kT);
    EXPECT_EQ(d.reset_after_ns, i * kT);
    tat = d.new_tat;
  }
  const GcraDecision refused = GcraTake(tat, kNow, k30PerMin);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.new_tat, tat);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.retry_after_ns, kT);
  EXPECT_EQ(refused.reset_after_ns, 60 * kSec);
}

TEST(Gcra, RefillsOneRequestPerInterval) {
  int64_t tat = kNow + 60 * kSec;  // exhausted at kNow
  EXPECT_FALSE(GcraTake(tat, kNow, k30PerMin).allowed);
  EXPECT_FALSE(GcraTake(tat, kNow + kT - 1, k30PerMin).allowed);
  EXPECT_EQ(GcraTake(tat, kNow + kT - 1, k30PerMin).retry_after_ns, 1);
  const GcraDecision d = GcraTake(tat, kNow + kT, k30PerMin);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  tat = d.new_tat;
  EXPECT_FALSE(GcraTake(tat, kNow + kT, k30PerMin).allowed);
  // Half a window later, 15 requests have come back.
  const GcraDecision peek = GcraTake(tat, kNow + kT + 30 * kSec, k30PerMin, 0);
  EXPECT_TRUE(peek.allowed);
  EXPECT_EQ(peek.remaining, 15);
  // A full window after the last take the bucket is full again.
  const GcraDecision full = GcraTake(tat, kNow + kT + 60 * kSec, k30PerMin, 0);
  EXPECT_EQ(full.remaining, 30);
  EXPECT_EQ(full.reset_after_ns, 0);
}

TEST(Gcra, RemainingRoundsDownBetweenIntervals) {
  const int64_t tat = kNow + 3 * kT;  // 3 used
  EXPECT_EQ(GcraTake(tat, kNow, k30PerMin, 0).remaining, 27);
  EXPECT_EQ(GcraTake(tat, kNow + kT / 2, k30PerMin, 0).remaining, 27);
  EXPECT_EQ(GcraTake(tat, kNow + kT, k30PerMin, 0).remaining, 28);
  EXPECT_EQ(GcraTake(tat, kNow + kT, k30PerMin, 0).reset_after_ns, 2 * kT);
}

TEST(Gcra, RetryAfterIsExact) {
  int64_t tat = kNow;
  for (int i = 0; i < 30; ++i) tat = GcraTake(tat, kNow, k30PerMin).new_tat;
  for (int64_t dt : {int64_t{0}, kSec / 2, kSec, kT - 1}) {
    const GcraDecision d = GcraTake(tat, kNow + dt, k30PerMin);
    ASSERT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after_ns, kT - dt);
    // Waiting exactly that long is enough; one ns less is not.
    EXPECT_TRUE(GcraTake(tat, kNow + dt + d.retry_after_ns, k30PerMin).allowed);
    EXPECT_FALSE(GcraTake(tat, kNow + dt + d.retry_after_ns - 1, k30PerMin).allowed);
  }
}

TEST(Gcra, CostAboveOne) {
  GcraDecision d = GcraTake(kNow, kNow, k30PerMin, 5);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 25);
  EXPECT_EQ(d.new_tat, kNow + 5 * kT);
  d = GcraTake(d.new_tat, kNow, k30PerMin, 25);
  ASSERT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  const int64_t tat = d.new_tat;
  d = GcraTake(tat, kNow, k30PerMin, 3);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retry_after_ns, 3 * kT);
  EXPECT_EQ(d.new_tat, tat);
  EXPECT_TRUE(GcraTake(tat, kNow + 3 * kT, k30PerMin, 3).allowed);
  // A refused cost-3 take does not stop a cost-1 take that fits.
  EXPECT_TRUE(GcraTake(tat, kNow + kT, k30PerMin, 1).allowed);
}

TEST(Gcra, WholeBucketAtOnceAndCostAboveLimit) {
  const GcraDecision all = GcraTake(kNow, kNow, k30PerMin, 30);
  EXPECT_TRUE(all.allowed);
  EXPECT_EQ(all.remaining, 0);
  const GcraDecision too_much = GcraTake(kNow, kNow, k30PerMin, 31);
  EXPECT_FALSE(too_much.allowed);
  EXPECT_EQ(too_much.remaining, 30);
  EXPECT_GT(too_much.retry_after_ns, 0);
  EXPECT_EQ(too_much.new_tat, kNow);
  EXPECT_FALSE(GcraTake(0, kNow, k30PerMin, int64_t{1} << 62).allowed);  // no overflow
  EXPECT_FALSE(GcraTake(kNow + 1000 * kSec, kNow, k30PerMin, int64_t{1} << 62).allowed);
}

TEST(Gcra, CostZeroPeeks) {
  const int64_t tat = kNow + 60 * kSec;
  const GcraDecision d = GcraTake(tat, kNow, k30PerMin, 0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.new_tat, tat);
  EXPECT_EQ(d.remaining, 0);
}

TEST(Gcra, BurstIsExactlyLimitWhenWindowDoesNotDivide) {
  for (int64_t limit : {3, 7, 11, 13, 97, 1000}) {
    const RateSpec spec{.limit = limit, .window_seconds = 1};
    int64_t tat = kNow;
    int64_t allowed = 0;
    for (int i = 0; i < limit + 5; ++i) {
      const GcraDecision d = GcraTake(tat, kNow, spec);
      if (d.allowed) ++allowed;
      EXPECT_LE(d.remaining, limit);
      EXPECT_GE(d.remaining, 0);
      tat = d.new_tat;
    }
    EXPECT_EQ(allowed, limit) << limit;
    EXPECT_EQ(GcraTake(kNow, kNow, spec, 0).remaining, limit);
  }
}

TEST(Gcra, LargeLimitsAndWindows) {
  const RateSpec per_day{.limit = 1'000'000'000, .window_seconds = 86400};
  const GcraDecision d = GcraTake(kNow, kNow, per_day, 1'000'000'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_FALSE(GcraTake(d.new_tat, kNow, per_day).allowed);
  const RateSpec one_per_day{.limit = 1, .window_seconds = 86400};
  const GcraDecision one = GcraTake(kNow, kNow, one_per_day);
  EXPECT_TRUE(one.allowed);
  EXPECT_EQ(one.reset_after_ns, 86400 * kSec);
  EXPECT_EQ(GcraTake(one.new_tat, kNow, one_per_day).retry_after_ns, 86400 * kSec);
}

TEST(Gcra, UnusableSpecRefuses) {
  EXPECT_FALSE(GcraTake(kNow, kNow, RateSpec{}).allowed);
  EXPECT_FALSE(GcraTake(kNow, kNow, RateSpec{.limit = 0, .window_seconds = 60}).allowed);
  EXPECT_FALSE(GcraTake(kNow, kNow, RateSpec{.limit = 5, .window_seconds = 0}).allowed);
  EXPECT_FALSE(GcraTake(kNow, kNow, RateSpec{.limit = -5, .window_seconds = 60}).allowed);
}

TEST(Gcra, ClockGoingBackwardsDoesNotAdmitMore) {
  int64_t tat = kNow;
  for (int i = 0; i < 30; ++i) tat = GcraTake(tat, kNow, k30PerMin).new_tat;
  EXPECT_FALSE(GcraTake(tat, kNow - 10 * kSec, k30PerMin).allowed);
  EXPECT_EQ(GcraTake(tat, kNow - 10 * kSec, k30PerMin).remaining, 0);
}

}  // namespace
}  // namespace keyward
