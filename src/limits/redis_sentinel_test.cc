// redis+sentinel:// against one primary, one replica and three sentinels on loopback: the pool
// finds the primary through the sentinels, follows a SENTINEL FAILOVER without being re-made
// (demoted connections are dropped, the sentinels asked again), keeps what the replica had, and
// says why when no sentinel can name a primary.
#include <gtest/gtest.h>

#include <thread>

#include "limits/redis_client.h"
#include "limits/redis_limiter.h"
#include "redis_sentinel_set.h"

namespace keyward {
namespace {

RedisOptions SentinelOptions(const std::string& url) {
  RedisOptions o;
  o.url = *ParseRedisUrl(url);
  o.timeout_ms = 1000;
  o.pool_size = 2;
  o.retry_ms = 20;
  return o;
}

std::string PortOf(RedisPool& pool) {
  Result<RedisReply> r = pool.Command({"CONFIG", "GET", "port"});
  if (!r.ok() || r->elements.size() != 2) return "";
  return r->elements[1].str;
}

TEST(RedisSentinelTest, FindsThePrimaryAndFollowsAFailover) {
  keyward_test::RedisSentinelSet set;
  RedisPool pool(SentinelOptions(set.url()));
  ASSERT_TRUE(pool.Ping().ok()) << pool.last_error();
  EXPECT_EQ(PortOf(pool), std::to_string(set.primary().port()));
  RedisLimiter limiter(pool, "s:");
  const int64_t now = int64_t{1'800'000'000} * 1'000'000'000;
  BucketRequest r{"tok_s", RateSpec{3, 3600}, 1};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.Take(std::span(&r, 1), now).allowed);

  set.Failover();
  const auto switched = std::chrono::steady_clock::now();
  // Calls may fail while the old primary is demoted; then they land on the new one.
  bool moved = false;
  while (std::chrono::steady_clock::now() - switched < std::chrono::seconds(15)) {
    if (PortOf(pool) == std::to_string(set.replica().port())) {
      moved = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling
  }
  ASSERT_TRUE(moved) << "still not on the new primary 15 s after the switch: " << pool.last_error();
  // The bucket came along: the replica had it.
  LimitOutcome after = limiter.Take(std::span(&r, 1), now);
  EXPECT_FALSE(after.unavailable);
  EXPECT_FALSE(after.allowed);
  // And writes work there.
  BucketRequest other{"tok_s2", RateSpec{3, 3600}, 1};
  EXPECT_TRUE(limiter.Take(std::span(&other, 1), now).allowed);
}

TEST(RedisSentinelTest, NoPrimaryFromTheSentinelsIsTheReason) {
  keyward_test::RedisSentinelSet set;
  std::string url = set.url();
  url.replace(url.find("/mymaster"), 9, "/othername");
  RedisPool pool(SentinelOptions(url));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message().find("no primary othername from the sentinels"), std::string::npos)
      << st.error().message();
}

}  // namespace
}  // namespace keyward
