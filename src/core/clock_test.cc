#include "core/clock.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock;
  EXPECT_EQ(clock.NowUnix(), 1'700'000'000);
  EXPECT_EQ(clock.NowNanos(), 1'700'000'000LL * 1'000'000'000);
  EXPECT_EQ(clock.NowNanos(), clock.NowNanos());
  clock.AdvanceSeconds(60);
  EXPECT_EQ(clock.NowUnix(), 1'700'000'060);
  clock.AdvanceNanos(999'999'999);
  EXPECT_EQ(clock.NowUnix(), 1'700'000'060);
  clock.AdvanceNanos(1);
  EXPECT_EQ(clock.NowUnix(), 1'700'000'061);
  clock.SetUnix(5);
  EXPECT_EQ(clock.NowNanos(), 5'000'000'000);
  clock.AdvanceSeconds(-5);
  EXPECT_EQ(clock.NowNanos(), 0);
}

TEST(ManualClock, WorksThroughTheInterface) {
  ManualClock manual(42);
  const Clock& clock = manual;
  EXPECT_EQ(clock.NowUnix(), 42);
  manual.AdvanceSeconds(1);
  EXPECT_EQ(clock.NowUnix(), 43);
}

TEST(SystemClock, IsWallClock) {
  const Clock& clock = SystemClock::Instance();
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
  const int64_t a = clock.NowNanos();
  const int64_t b = clock.NowNanos();
  // Sanity only: after 2020-01-01 and before 2200-01-01; no timing assertion.
  EXPECT_GT(a, 1'577'836'800LL * 1'000'000'000);
  EXPECT_LT(a, 7'258'118'400LL * 1'000'000'000);
  EXPECT_GT(b, 1'577'836'800LL * 1'000'000'000);
}

}  // namespace
}  // namespace keyward
