// RedisLimiter against a real redis-server: the same decisions as the LocalLimiter, atomic across
// buckets and threads, NOSCRIPT handled, unavailable while Redis is down, back when it returns.
#include "limits/redis_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/test_util.h"
#include "limits/local_limiter.h"
#include "limits/redis_test_util.h"
#include "redis_server.h"

namespace keyward {
namespace {

constexpr int64_t kT0 = 1'800'000'000 * kSec;

class RedisLimiterTest : public ::testing::Test {
 protected:
  keyward_test::RedisServer server_;
  RedisPool pool_{OptionsFor(server_)};
  RedisLimiter limiter_{pool_, "t:"};
};

TEST_F(RedisLimiterTest, MatchesTheLocalLimiterStepByStep) {
  LocalLimiter local;
  const RateSpec spec{5, 10};
  int64_t now = kT0;
  for (int i = 0; i < 40; ++i) {
    BucketRequest r{"tok_a", spec, 1};
    LimitOutcome a = local.Take(std::span(&r, 1), now);
    LimitOutcome b = limiter_.Take(std::span(&r, 1), now);
    ASSERT_FALSE(b.unavailable);
    ASSERT_EQ(a.allowed, b.allowed) << "step " << i;
    EXPECT_EQ(a.buckets[0].remaining, b.buckets[0].remaining) << "step " << i;
    EXPECT_EQ(a.buckets[0].reset_after_s, b.buckets[0].reset_after_s) << "step " << i;
    EXPECT_EQ(a.buckets[0].retry_after_s, b.buckets[0].retry_after_s) << "step " << i;
    EXPECT_EQ(a.buckets[0].reset_unix, b.buckets[0].reset_unix) << "step " << i;
    EXPECT_EQ(b.buckets[0].limit, 5);
    EXPECT_EQ(b.buckets[0].window_seconds, 10);
    now += (i % 3 == 0) ? 700'000'000 : 100'000'000;
  }
}

TEST_F(RedisLimiterTest, TakesFromAllBucketsOrNone) {
  BucketRequest both[] = {{"tok_b", RateSpec{10, 60}, 1}, {"r:0:tok_b", RateSpec{2, 60}, 1}};
  EXPECT_TRUE(limiter_.Take(both, kT0).allowed);
  EXPECT_TRUE(limiter_.Take(both, kT0).allowed);
  LimitOutcome third = limiter_.Take(both, kT0);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.tightest, 1u);
  EXPECT_TRUE(third.buckets[0].allowed);
  EXPECT_EQ(third.buckets[0].remaining, 8);  // not taken: the route refused
  EXPECT_GE(third.buckets[1].retry_after_s, 1);
  BucketRequest key_only[] = {{"tok_b", RateSpec{10, 60}, 1}};
  LimitOutcome alone = limiter_.Take(key_only, kT0);
  EXPECT_TRUE(alone.allowed);
  EXPECT_EQ(alone.buckets[0].remaining, 7);
}

TEST_F(RedisLimiterTest, ABucketNamedTwiceSeesItsOwnEarlierTake) {
  BucketRequest twice[] = {{"tok_c", RateSpec{3, 60}, 2}, {"tok_c", RateSpec{3, 60}, 2}};
  EXPECT_FALSE(limiter_.Take(twice, kT0).allowed);
  BucketRequest once[] = {{"tok_c", RateSpec{3, 60}, 3}};
  EXPECT_TRUE(limiter_.Take(once, kT0).allowed);  // the refused double take stored nothing
}

TEST_F(RedisLimiterTest, ExactUnderConcurrency) {
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        BucketRequest r{"tok_d", RateSpec{30, 3600}, 1};
        LimitOutcome o = limiter_.Take(std::span(&r, 1), kT0);
        if (o.allowed) allowed.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 30);
}

TEST_F(RedisLimiterTest, ScriptsFlushedFromRedisAreLoadedAgain) {
  BucketRequest r{"tok_e", RateSpec{5, 60}, 1};
  EXPECT_TRUE(limiter_.Take(std::span(&r, 1), kT0).allowed);
  EXPECT_EQ(server_.Command("SCRIPT FLUSH"), "+OK");
  LimitOutcome o = limiter_.Take(std::span(&r, 1), kT0);
  EXPECT_FALSE(o.unavailable);
  EXPECT_TRUE(o.allowed);
  EXPECT_EQ(o.buckets[0].remaining, 3);
}

TEST_F(RedisLimiterTest, IdleBucketsExpireInRedis) {
  BucketRequest r{"tok_f", RateSpec{5, 1}, 1};
  EXPECT_TRUE(limiter_.Take(std::span(&r, 1), kT0).allowed);
  const std::string ttl = server_.Command("PTTL t:rl:tok_f");
  ASSERT_EQ(ttl[0], ':');
  const long ms = std::stol(ttl.substr(1));
  EXPECT_GT(ms, 0);
  EXPECT_LE(ms, 1001);
}

TEST_F(RedisLimiterTest, UnavailableWhileRedisIsDownAndBackAfter) {
  BucketRequest r{"tok_g", RateSpec{5, 60}, 1};
  EXPECT_TRUE(limiter_.Take(std::span(&r, 1), kT0).allowed);
  server_.Stop();
  LimitOutcome down = limiter_.Take(std::span(&r, 1), kT0);
  EXPECT_TRUE(down.unavailable);
  EXPECT_FALSE(down.allowed);
  EXPECT_FALSE(pool_.healthy());
  server_.Start();  // empty again: no persistence
  bool back = false;
  for (int i = 0; i < 200 && !back; ++i) {
    LimitOutcome o = limiter_.Take(std::span(&r, 1), kT0);
    back = !o.unavailable;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(25));  // reconnect backoff
  }
  EXPECT_TRUE(back);
  EXPECT_TRUE(pool_.healthy());
}

}  // namespace
}  // namespace keyward
