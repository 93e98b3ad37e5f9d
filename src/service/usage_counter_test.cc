#include "service/usage_counter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

namespace keyward {
namespace {

KeyRecordPtr Record(std::string_view token, std::string_view account) {
  auto info = std::make_shared<AccountInfo>();
  info->id = std::string(account);
  auto r = std::make_shared<KeyRecord>();
  r->set_token_id(token);
  r->account = std::move(info);
  return r;
}

// Drained cells summed by (token id, minute).
std::map<std::pair<std::string, int64_t>, UsageCounts> Sum(std::vector<UsageCell> cells) {
  std::map<std::pair<std::string, int64_t>, UsageCounts> out;
  for (const UsageCell& c : cells) {
    out[{std::string(c.record->token_id()), c.minute_start}] += c.counts;
  }
  return out;
}

TEST(UsageCounter, CountsByRecordMinuteAndOutcome) {
  UsageCounter counter;
  KeyRecordPtr a = Record("tok_a", "acct_1");
  KeyRecordPtr b = Record("tok_b", "acct_1");
  counter.Add(a, 120, UsageOutcome::kValid, 2);
  counter.Add(a, 179, UsageOutcome::kValid, 2);
  counter.Add(a, 179, UsageOutcome::kRateLimited, 0);
  counter.Add(a, 180, UsageOutcome::kForbidden, 0);  // the next minute
  counter.Add(b, 150, UsageOutcome::kUnauthorized, 0);
  counter.Add(b, 150, UsageOutcome::kQuotaExceeded, 0);
  counter.Add(b, 150, UsageOutcome::kNone, 0);  // not counted
  auto sums = Sum(counter.Drain());
  ASSERT_EQ(sums.size(), 3u);
  EXPECT_EQ((sums[{"tok_a", 120}]), (UsageCounts{.valid = 2, .rate_limited = 1, .credits = 4}));
  EXPECT_EQ((sums[{"tok_a", 180}]), UsageCounts{.forbidden = 1});
  EXPECT_EQ((sums[{"tok_b", 120}]), (UsageCounts{.quota_exceeded = 1, .unauthorized = 1}));
  EXPECT_TRUE(counter.Drain().empty());  // drained means gone
}

TEST(UsageCounter, MinuteOfRoundsDownToTheUtcMinute) {
  EXPECT_EQ(UsageCounter::MinuteOf(0), 0);
  EXPECT_EQ(UsageCounter::MinuteOf(59), 0);
  EXPECT_EQ(UsageCounter::MinuteOf(60), 60);
  EXPECT_EQ(UsageCounter::MinuteOf(1'706'140'859), 1'706'140'800);
}

TEST(UsageCounter, AdjustCorrectsTheSameBucket) {
  UsageCounter counter;
  KeyRecordPtr a = Record("tok_a", "acct_1");
  counter.Add(a, 120, UsageOutcome::kValid, 0);
  counter.Adjust(a, 150, UsageCounts{.valid = -1, .quota_exceeded = 1});
  auto sums = Sum(counter.Drain());
  EXPECT_EQ((sums[{"tok_a", 120}]), UsageCounts{.quota_exceeded = 1});
}

TEST(UsageCounter, ManyDistinctRecordsGrowTheTableAndLoseNothing) {
  UsageCounter counter;
  std::vector<KeyRecordPtr> records;
  for (int i = 0; i < 5000; ++i) records.push_back(Record("tok_" + std::to_string(i), "acct"));
  for (int round = 0; round < 3; ++round) {
    for (const KeyRecordPtr& r : records) counter.Add(r, 60, UsageOutcome::kValid, 1);
  }
  auto sums = Sum(counter.Drain());
  ASSERT_EQ(sums.size(), records.size());
  for (const auto& [key, counts] : sums) EXPECT_EQ(counts, (UsageCounts{.valid = 3, .credits = 3}));
}

TEST(UsageCounter, ConcurrentCountsAndDrainsAreExact) {
  UsageCounter counter;
  KeyRecordPtr a = Record("tok_a", "acct_1");
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::atomic<bool> done{false};
  std::map<std::pair<std::string, int64_t>, UsageCounts> total;
  std::thread drainer([&] {
    while (!done.load()) {
      for (auto& [k, v] : Sum(counter.Drain())) total[k] += v;
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        counter.Add(a, 60 * (i % 3), t % 2 ? UsageOutcome::kValid : UsageOutcome::kRateLimited, 0);
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  drainer.join();
  for (auto& [k, v] : Sum(counter.Drain())) total[k] += v;
  int64_t valid = 0, limited = 0;
  for (const auto& [k, v] : total) {
    valid += v.valid;
    limited += v.rate_limited;
  }
  EXPECT_EQ(valid, kThreads / 2 * kEach);
  EXPECT_EQ(limited, kThreads / 2 * kEach);
}

}  // namespace
}  // namespace keyward
