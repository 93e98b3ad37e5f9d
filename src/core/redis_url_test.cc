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

namespace keyward {
namespace {

TEST(RedisUrl, TlsScheme) {
  auto u = ParseRedisUrl("rediss://kw:pw@redis.example:6380/2");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "redis.example");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 2);
  EXPECT_EQ(u->user, "kw");
  EXPECT_FALSE(ParseRedisUrl("redis://h")->tls);
}

TEST(RedisUrl, SentinelsAndThePrimarysName) {
  auto u = ParseRedisUrl("redis+sentinel://kw:pw@h1:26380,[::1],h3/mymaster/4");
  ASSERT_TRUE(u.ok()) << u.error().message();
  ASSERT_EQ(u->sentinels.size(), 3u);
  EXPECT_EQ(u->sentinels[0].host, "h1");
  EXPECT_EQ(u->sentinels[0].port, 26380);
  EXPECT_EQ(u->sentinels[1].host, "::1");
  EXPECT_EQ(u->sentinels[1].port, 26379);
  EXPECT_EQ(u->sentinels[2].port, 26379);
  EXPECT_EQ(u->master_name, "mymaster");
  EXPECT_EQ(u->db, 4);
  EXPECT_EQ(u->password, "pw");
  EXPECT_TRUE(u->sentinel());
  auto no_db = ParseRedisUrl("redis+sentinel://h1:26379/mymaster");
  ASSERT_TRUE(no_db.ok());
  EXPECT_EQ(no_db->db, 0);
  for (const char* bad : {"redis+sentinel://h1:26379", "redis+sentinel://h1:26379/",
                          "redis+sentinel://h1,,h2/m", "redis+sentinel://h1:0/m"}) {
    EXPECT_FALSE(ParseRedisUrl(bad).ok()) << bad;
  }
}

TEST(RedisUrl, ClusterSeeds) {
  auto u = ParseRedisUrl("redis+cluster://kw:pw@h1:7000,[::1]:7001,h3");
  ASSERT_TRUE(u.ok()) << u.error().message();
  EXPECT_TRUE(u->cluster());
  EXPECT_FALSE(u->sentinel());
  EXPECT_FALSE(u->tls);
  ASSERT_EQ(u->cluster_nodes.size(), 3u);
  EXPECT_EQ(u->cluster_nodes[0].host, "h1");
  EXPECT_EQ(u->cluster_nodes[0].port, 7000);
  EXPECT_EQ(u->cluster_nodes[1].host, "::1");
  EXPECT_EQ(u->cluster_nodes[1].port, 7001);
  EXPECT_EQ(u->cluster_nodes[2].host, "h3");
  EXPECT_EQ(u->cluster_nodes[2].port, 6379);
  EXPECT_EQ(u->user, "kw");
  EXPECT_EQ(u->password, "pw");
  EXPECT_EQ(u->db, 0);
}

TEST(RedisUrl, ClusterRefusesADatabaseAndBadSeeds) {
  for (const char* bad : {"redis+cluster://:pw@h1:7000,h2:7001/1", "redis+cluster://h1:7000/0",
                          "redis+cluster://h1,,h2", "redis+cluster://h1:0", "redis+cluster://"}) {
    auto u = ParseRedisUrl(bad);
    EXPECT_FALSE(u.ok()) << bad;
    if (!u.ok()) {
      EXPECT_EQ(u.error().message().find("pw"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace keyward
