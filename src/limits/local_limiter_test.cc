#include "limits/local_limiter.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/test_util.h"

namespace keyward {
namespace {

constexpr int64_t kNow = 1'700'000'000 * kSec;
const RateSpec k30PerMin{.limit = 30, .window_seconds = 60};  // one request back every 2 s
const RateSpec k5PerSec{.limit = 5, .window_seconds = 1};

// BucketRequest names a bucket by string_view: keep every name used by a test alive here.
std::string_view Intern(std::string key) {
  static std::mutex mu;
  static std::set<std::string> names;
  std::lock_guard lock(mu);
  return *names.insert(std::move(key)).first;
}

BucketRequest Req(std::string key, RateSpec spec, int64_t cost = 1) {
  return BucketRequest{.key = Intern(std::move(key)), .spec = spec, .cost = cost};
}

// prefix + number, spelled out to dodge GCC 12's false -Wrestrict on "x" + std::string.
std::string Name(std::string_view prefix, int n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

LimitOutcome TakeOne(LocalLimiter& limiter, const BucketRequest& r, int64_t now) {
  return limiter.Take(std::span<const BucketRequest>(&r, 1), now);
}

TEST(LocalLimiter, BurstThenRefused) {
  LocalLimiter limiter;
  const BucketRequest r = Req("k:tok_1", k30PerMin);
  for (int i = 1; i <= 30; ++i) {
    const LimitOutcome out = TakeOne(limiter, r, kNow);
    ASSERT_TRUE(out.allowed) << i;
    ASSERT_EQ(out.buckets.size(), 1u);
    EXPECT_EQ(out.buckets[0].remaining, 30 - i);
  }
  const LimitOutcome refused = TakeOne(limiter, r, kNow);
  EXPECT_FALSE(refused.allowed);
  EXPECT_FALSE(refused.buckets[0].allowed);
  EXPECT_EQ(refused.buckets[0].remaining, 0);
  EXPECT_EQ(refused.buckets[0].retry_after_s, 2);
  EXPECT_EQ(refused.tightest, 0u);
}

TEST(LocalLimiter, HeaderValues) {
  LocalLimiter limiter;
  const BucketRequest r = Req("k:tok_1", k30PerMin);
  const int64_t now = kNow + kSec / 2;  // not on a second boundary
  const LimitOutcome first = TakeOne(limiter, r, now);
  ASSERT_TRUE(first.allowed);
  const BucketState& s = first.buckets[0];
  EXPECT_TRUE(s.allowed);
  EXPECT_EQ(s.limit, 30);
  EXPECT_EQ(s.remaining, 29);
  EXPECT_EQ(s.window_seconds, 60);
  EXPECT_EQ(s.reset_after_s, 2);
  EXPECT_EQ(s.reset_unix, 1'700'000'003);  // ceil(now + 2 s) = ceil(...002.5)
  EXPECT_EQ(s.retry_after_s, 0);

  for (int i = 0; i < 29; ++i) ASSERT_TRUE(TakeOne(limiter, r, now).allowed);
  const LimitOutcome refused = TakeOne(limiter, r, now);
  ASSERT_FALSE(refused.allowed);
  const BucketState& z = refused.buckets[0];
  EXPECT_EQ(z.remaining, 0);
  EXPECT_EQ(z.reset_after_s, 60);
  EXPECT_EQ(z.reset_unix, 1'700'000'061);
  EXPECT_EQ(z.retry_after_s, 2);

  // 1.5 s later: not yet (0.5 s to go, reported as at least 1 s).
  const LimitOutcome soon = TakeOne(limiter, r, now + 3 * kSec / 2);
  EXPECT_FALSE(soon.allowed);
  EXPECT_EQ(soon.buckets[0].retry_after_s, 1);
}

TEST(LocalLimiter, RefillWithInjectedTime) {
  LocalLimiter limiter;
  const BucketRequest r = Req("k:a", k30PerMin);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(TakeOne(limiter, r, kNow).allowed);
  EXPECT_FALSE(TakeOne(limiter, r, kNow + 2 * kSec - 1).allowed);
  EXPECT_TRUE(TakeOne(limiter, r, kNow + 2 * kSec).allowed);
  EXPECT_FALSE(TakeOne(limiter, r, kNow + 2 * kSec).allowed);
  // After a whole window with no traffic the full burst is back.
  int allowed = 0;
  for (int i = 0; i < 40; ++i) allowed += TakeOne(limiter, r, kNow + 62 * kSec).allowed;
  EXPECT_EQ(allowed, 30);
}

TEST(LocalLimiter, KeysAreIndependent) {
  LocalLimiter limiter;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(TakeOne(limiter, Req("a", k5PerSec), kNow).allowed);
  EXPECT_FALSE(TakeOne(limiter, Req("a", k5PerSec), kNow).allowed);
  EXPECT_TRUE(TakeOne(limiter, Req("b", k5PerSec), kNow).allowed);
  EXPECT_EQ(TakeOne(limiter, Req("b", k5PerSec), kNow).buckets[0].remaining, 3);
}

TEST(LocalLimiter, AllOrNothingAcrossBuckets) {
  LocalLimiter limiter;
  const std::vector<BucketRequest> both = {Req("k:tok", k30PerMin), Req("r:1:tok", k5PerSec)};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.Take(both, kNow).allowed);
  // The route bucket is empty: the per-key bucket must not be charged either.
  for (int i = 0; i < 10; ++i) {
    const LimitOutcome out = limiter.Take(both, kNow);
    ASSERT_FALSE(out.allowed);
    EXPECT_TRUE(out.buckets[0].allowed);
    EXPECT_EQ(out.buckets[0].remaining, 25);  // as it stands: nothing taken
    EXPECT_FALSE(out.buckets[1].allowed);
    EXPECT_EQ(out.tightest, 1u);
  }
  const LimitOutcome key_only = TakeOne(limiter, Req("k:tok", k30PerMin), kNow);
  ASSERT_TRUE(key_only.allowed);
  EXPECT_EQ(key_only.buckets[0].remaining, 24);
}

TEST(LocalLimiter, RefusalInFirstBucketChargesNeither) {
  LocalLimiter limiter;
  const RateSpec one{.limit = 1, .window_seconds = 60};
  ASSERT_TRUE(TakeOne(limiter, Req("x", one), kNow).allowed);
  const std::vector<BucketRequest> both = {Req("x", one), Req("y", k5PerSec)};
  const LimitOutcome out = limiter.Take(both, kNow);
  EXPECT_FALSE(out.allowed);
  EXPECT_EQ(out.tightest, 0u);
  EXPECT_EQ(out.buckets[1].remaining, 5);
  EXPECT_EQ(TakeOne(limiter, Req("y", k5PerSec), kNow).buckets[0].remaining, 4);
}

TEST(LocalLimiter, TightestIsFewestRemaining) {
  LocalLimiter limiter;
  const std::vector<BucketRequest> reqs = {Req("a", k30PerMin), Req("b", k5PerSec),
                                           Req("c", RateSpec{.limit = 100, .window_seconds = 1})};
  const LimitOutcome out = limiter.Take(reqs, kNow);
  ASSERT_TRUE(out.allowed);
  ASSERT_EQ(out.buckets.size(), 3u);
  EXPECT_EQ(out.buckets[0].remaining, 29);
  EXPECT_EQ(out.buckets[1].remaining, 4);
  EXPECT_EQ(out.buckets[2].remaining, 99);
  EXPECT_EQ(out.tightest, 1u);
}

TEST(LocalLimiter, CostAndEmptyRequest) {
  LocalLimiter limiter;
  EXPECT_TRUE(TakeOne(limiter, Req("a", k30PerMin, 10), kNow).allowed);
  EXPECT_EQ(TakeOne(limiter, Req("a", k30PerMin, 20), kNow).buckets[0].remaining, 0);
  EXPECT_FALSE(TakeOne(limiter, Req("a", k30PerMin, 1), kNow).allowed);
  EXPECT_FALSE(TakeOne(limiter, Req("b", k30PerMin, 31), kNow).allowed);
  const LimitOutcome none = limiter.Take({}, kNow);
  EXPECT_TRUE(none.allowed);
  EXPECT_TRUE(none.buckets.empty());
}

TEST(LocalLimiter, SameKeyTwiceInOneTake) {
  LocalLimiter limiter;
  const RateSpec two{.limit = 2, .window_seconds = 60};
  const std::vector<BucketRequest> twice = {Req("a", two), Req("a", two)};
  const LimitOutcome first = limiter.Take(twice, kNow);
  ASSERT_TRUE(first.allowed);
  EXPECT_EQ(first.buckets[0].remaining, 1);
  EXPECT_EQ(first.buckets[1].remaining, 0);
  EXPECT_FALSE(TakeOne(limiter, Req("a", two), kNow).allowed);
  // Three at once never fit in a bucket of two, and nothing is taken.
  const std::vector<BucketRequest> thrice = {Req("b", two), Req("b", two), Req("b", two)};
  EXPECT_FALSE(limiter.Take(thrice, kNow).allowed);
  EXPECT_EQ(TakeOne(limiter, Req("b", two), kNow).buckets[0].remaining, 1);
}

TEST(LocalLimiter, ExactUnderConcurrency) {
  LocalLimiter limiter;
  constexpr int kThreads = 100;
  std::atomic<int> allowed{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const BucketRequest r = Req("k:shared", k30PerMin);
      start.arrive_and_wait();
      if (TakeOne(limiter, r, kNow).allowed) allowed.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 30);
}

TEST(LocalLimiter, ConcurrentMultiBucketTakesStayConsistent) {
  // Threads take from overlapping pairs of buckets in opposite orders (a deadlock would hang);
  // every bucket must end up charged exactly as often as takes that included it succeeded.
  LocalLimiter limiter;
  const RateSpec spec{.limit = 1000, .window_seconds = 3600};
  constexpr int kThreads = 8;
  constexpr int kTakes = 500;
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(Name("key", i));
  std::array<std::atomic<int>, 4> charged{};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kTakes; ++i) {
        const int a = (t + i) % 4;
        const int b = (t % 2 == 0) ? (a + 1) % 4 : (a + 3) % 4;
        const std::vector<BucketRequest> reqs = {Req(keys[a], spec), Req(keys[b], spec)};
        if (limiter.Take(reqs, kNow).allowed) {
          charged[a].fetch_add(1);
          charged[b].fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int k = 0; k < 4; ++k) {
    const LimitOutcome peek = TakeOne(limiter, Req(keys[k], spec, 0), kNow);
    EXPECT_EQ(peek.buckets[0].remaining, 1000 - charged[k].load()) << k;
    EXPECT_LE(charged[k].load(), 1000);
  }
}

TEST(LocalLimiter, SweepDropsOnlyFullBuckets) {
  // 64 entries in all: one per shard on average, so sweeps happen constantly.
  LocalLimiter limiter(64);
  const RateSpec one{.limit = 1, .window_seconds = 10};
  // Exhaust "hot" at kNow; it must stay exhausted while thousands of other keys come and go.
  ASSERT_TRUE(TakeOne(limiter, Req("hot", one), kNow).allowed);
  for (int i = 0; i < 5000; ++i) {
    const int64_t now = kNow + i * (kSec / 1000);  // 5 s in 1 ms steps, inside hot's window
    ASSERT_TRUE(TakeOne(limiter, Req(Name("cold", i), k5PerSec), now).allowed);
    ASSERT_FALSE(TakeOne(limiter, Req("hot", one), now).allowed) << i;
  }
  // Cold keys refill within a second, so the sweeps keep the table small.
  EXPECT_LT(limiter.EntryCount(), 1000u);
  EXPECT_TRUE(TakeOne(limiter, Req("hot", one), kNow + 10 * kSec).allowed);
}

TEST(LocalLimiter, LiveEntriesAreNeverEvicted) {
  LocalLimiter limiter(64);
  const RateSpec one{.limit = 1, .window_seconds = 3600};
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(TakeOne(limiter, Req(Name("k", i), one), kNow).allowed);
  }
  EXPECT_EQ(limiter.EntryCount(), 2000u);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_FALSE(TakeOne(limiter, Req(Name("k", i), one), kNow + kSec).allowed) << i;
  }
  // An hour later every entry is full; new short-lived traffic sweeps them away.
  for (int i = 0; i < 20000; ++i) {
    const int64_t now = kNow + 3601 * kSec + i * (kSec / 1000);
    ASSERT_TRUE(TakeOne(limiter, Req(Name("n", i), k5PerSec), now).allowed);
  }
  EXPECT_LT(limiter.EntryCount(), 1000u);
}

TEST(LocalLimiter, PeekDoesNotStoreEntries) {
  LocalLimiter limiter;
  const LimitOutcome peek = TakeOne(limiter, Req("x", k5PerSec, 0), kNow);
  EXPECT_TRUE(peek.allowed);
  EXPECT_EQ(peek.buckets[0].remaining, 5);
  EXPECT_EQ(limiter.EntryCount(), 0u);
}

}  // namespace
}  // namespace keyward
