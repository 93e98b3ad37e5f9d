#include "core/refill.h"

#include <gtest/gtest.h>

#include <limits>

namespace keyward {
namespace {

// 2024-01-31T23:59:59Z and the second after it.
constexpr int64_t kJan31End = 1706745599;
constexpr int64_t kFeb1 = 1706745600;

TEST(Refill, NamesRoundTrip) {
  for (auto i : {RefillInterval::kMinute, RefillInterval::kHour, RefillInterval::kDay,
                 RefillInterval::kMonth}) {
    EXPECT_EQ(ParseRefillInterval(RefillIntervalName(i)), i);
  }
  EXPECT_FALSE(ParseRefillInterval("week").has_value());
  EXPECT_EQ(ParseRefillMode("set"), RefillMode::kSet);
  EXPECT_EQ(ParseRefillMode("add"), RefillMode::kAdd);
  EXPECT_FALSE(ParseRefillMode("reset").has_value());
}

TEST(Refill, FixedPeriodsOnUtcBoundaries) {
  EXPECT_EQ(PeriodIndex(RefillInterval::kMinute, 119), 1);
  EXPECT_EQ(PeriodIndex(RefillInterval::kMinute, 120), 2);
  EXPECT_EQ(PeriodIndex(RefillInterval::kHour, kJan31End) + 1,
            PeriodIndex(RefillInterval::kHour, kFeb1));
  EXPECT_EQ(PeriodIndex(RefillInterval::kDay, kJan31End) + 1,
            PeriodIndex(RefillInterval::kDay, kFeb1));
  EXPECT_EQ(PeriodStart(RefillInterval::kDay, PeriodIndex(RefillInterval::kDay, kFeb1 + 5)), kFeb1);
  EXPECT_EQ(PeriodIndex(RefillInterval::kMinute, -1), -1);  // floor, not towards zero
}

TEST(Refill, MonthsStartOnTheFirst) {
  EXPECT_EQ(PeriodIndex(RefillInterval::kMonth, 0), 0);                // 1970-01
  EXPECT_EQ(PeriodIndex(RefillInterval::kMonth, kJan31End), 54 * 12);  // 2024-01
  EXPECT_EQ(PeriodIndex(RefillInterval::kMonth, kFeb1), 54 * 12 + 1);  // 2024-02
  EXPECT_EQ(PeriodStart(RefillInterval::kMonth, 54 * 12 + 1), kFeb1);
  // 2024 is a leap year: March starts 29 days after February.
  EXPECT_EQ(PeriodStart(RefillInterval::kMonth, 54 * 12 + 2), kFeb1 + 29 * 86400);
  // December → January of the next year.
  const int64_t dec2023 = PeriodStart(RefillInterval::kMonth, 53 * 12 + 11);
  EXPECT_EQ(dec2023, 1701388800);                                       // 2023-12-01T00:00:00Z
  EXPECT_EQ(PeriodStart(RefillInterval::kMonth, 54 * 12), 1704067200);  // 2024-01-01
  for (int64_t m = 0; m < 2000; m += 7) {
    EXPECT_EQ(PeriodIndex(RefillInterval::kMonth, PeriodStart(RefillInterval::kMonth, m)), m);
    EXPECT_EQ(PeriodIndex(RefillInterval::kMonth, PeriodStart(RefillInterval::kMonth, m) - 1),
              m - 1);
  }
}

TEST(Refill, DueOncePerPeriodAndNotInTheCreationPeriod) {
  const auto kDay = RefillInterval::kDay;
  const int64_t created = kJan31End - 100;  // created on Jan 31
  EXPECT_FALSE(RefillDue(kDay, std::nullopt, created, kJan31End).has_value());
  const auto due = RefillDue(kDay, std::nullopt, created, kFeb1);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, PeriodIndex(kDay, kFeb1));
  EXPECT_FALSE(RefillDue(kDay, *due, created, kFeb1 + 3600).has_value());  // done already
  // Down for three days: one refill, for the current period.
  EXPECT_EQ(RefillDue(kDay, *due, created, kFeb1 + 3 * 86400 + 5), *due + 3);
}

TEST(Refill, SetAddAndUnlimited) {
  EXPECT_EQ(ApplyRefill(RefillMode::kSet, 100, 7), 100);
  EXPECT_EQ(ApplyRefill(RefillMode::kSet, 100, 700), 100);
  EXPECT_EQ(ApplyRefill(RefillMode::kAdd, 100, 7), 107);
  EXPECT_FALSE(ApplyRefill(RefillMode::kAdd, 100, std::nullopt).has_value());
  EXPECT_FALSE(ApplyRefill(RefillMode::kSet, 100, std::nullopt).has_value());
  EXPECT_EQ(ApplyRefill(RefillMode::kAdd, 10, std::numeric_limits<int64_t>::max() - 3),
            std::numeric_limits<int64_t>::max());
}

}  // namespace
}  // namespace keyward
