#include "core/redis_url.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(RedisUrl, HostAloneTakesTheDefaults) {
  auto u = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "localhost");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->db, 0);
  EXPECT_EQ(u->password, "");
}

TEST(RedisUrl, HostPortAndDatabase) {
  auto u = ParseRedisUrl("redis://127.0.0.1:6380/3");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 3);
}

TEST(RedisUrl, UserAndPassword) {
  auto u = ParseRedisUrl("redis://kw:s3cr@t@redis.internal:6379/0");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->user, "kw");
  EXPECT_EQ(u->password, "s3cr@t");
  EXPECT_EQ(u->host, "redis.internal");
  auto p = ParseRedisUrl("redis://:only-password@h");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user, "");
  EXPECT_EQ(p->password, "only-password");
}

TEST(RedisUrl, BracketedIpv6) {
  auto u = ParseRedisUrl("redis://[::1]:7000/1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 7000);
  EXPECT_EQ(u->db, 1);
}

TEST(RedisUrl, RefusesBadInputWithoutQuotingThePassword) {
  for (const char* bad : {"http://h", "redis://", "redis://h:", "redis://h:0", "redis://h:70000",
                          "redis://h/x", "redis://h/-1", "redis://[::1", "redis://[::1]x"}) {
    auto u = ParseRedisUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
  }
  auto u = ParseRedisUrl("redis://:hunter22@h:99999");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error().message().find("hunter22"), std::string::npos);
}

}  // namespace
}  // namespace keyward
