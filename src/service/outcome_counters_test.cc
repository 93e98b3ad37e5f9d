#include "service/outcome_counters.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace keyward {
namespace {

TEST(OutcomeCountersTest, StartsAtZero) {
  OutcomeCounters c;
  for (size_t s = 0; s < OutcomeCounters::kSlots; ++s) EXPECT_EQ(c.TotalOfSlot(s), 0u);
}

TEST(OutcomeCountersTest, CountsEachOutcomeSeparately) {
  OutcomeCounters c;
  c.Add(std::nullopt);
  c.Add(std::nullopt);
  c.Add(ErrorCode::kRateLimited);
  EXPECT_EQ(c.Total(std::nullopt), 2u);
  EXPECT_EQ(c.Total(ErrorCode::kRateLimited), 1u);
  EXPECT_EQ(c.Total(ErrorCode::kUnauthorized), 0u);
}

TEST(OutcomeCountersTest, NamesAreValidAndTheCatalogueCodes) {
  EXPECT_EQ(OutcomeCounters::Name(0), "VALID");
  EXPECT_EQ(OutcomeCounters::Name(OutcomeCounters::Slot(ErrorCode::kUnauthorized)), "UNAUTHORIZED");
  EXPECT_EQ(OutcomeCounters::Name(OutcomeCounters::Slot(ErrorCode::kUnavailable)), "UNAVAILABLE");
  EXPECT_EQ(OutcomeCounters::Slot(ErrorCode::kUnavailable), OutcomeCounters::kSlots - 1);
}

TEST(OutcomeCountersTest, ConcurrentAddsAreAllCounted) {
  OutcomeCounters c;
  constexpr int kThreads = 8, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&c, t] {
      for (int i = 0; i < kEach; ++i) {
        c.Add(t % 2 == 0 ? std::nullopt : std::optional(ErrorCode::kForbidden));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c.Total(std::nullopt), uint64_t{kThreads / 2} * kEach);
  EXPECT_EQ(c.Total(ErrorCode::kForbidden), uint64_t{kThreads / 2} * kEach);
}

}  // namespace
}  // namespace keyward
