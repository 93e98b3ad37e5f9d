// rediss:// against Debian's redis-server listening with TLS (a CA and a certificate for
// "localhost" made by the test): the right CA works, with an ACL user; a wrong CA, a host name
// the certificate does not name, a wrong password and a plain connection to the TLS port are each
// refused with their reason — never a fallback — and no reason quotes the password.
#include <gtest/gtest.h>

#include "limits/redis_client.h"
#include "limits/redis_limiter.h"
#include "redis_server.h"

namespace keyward {
namespace {

class RedisTlsTest : public ::testing::Test {
 protected:
  RedisOptions Options(const std::string& url, const std::string& ca) {
    RedisOptions o;
    o.url = *ParseRedisUrl(url);
    o.timeout_ms = 2000;
    o.pool_size = 2;
    o.retry_ms = 10;
    o.tls_ca_file = ca;
    return o;
  }
  keyward_test::RedisServer server_{keyward_test::RedisServerOptions{
      .tls = true,
      .extra_args = {"--user", "kw", "on", ">s3cret-pw", "~*", "&*", "+@all"},
      .sentinel_config = {}}};
};

TEST_F(RedisTlsTest, TheRightCaAndAnAclUserWork) {
  RedisPool pool(Options(server_.tls_url("kw:s3cret-pw"), server_.ca_file()));
  ASSERT_TRUE(pool.Ping().ok()) << pool.last_error();
  Result<RedisReply> who = pool.Command({"ACL", "WHOAMI"});
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->str, "kw");
  // The limiter's script runs over TLS as over TCP.
  RedisLimiter limiter(pool, "tls:");
  BucketRequest r{"tok_tls", RateSpec{2, 60}, 1};
  const int64_t now = int64_t{1'800'000'000} * 1'000'000'000;
  EXPECT_TRUE(limiter.Take(std::span(&r, 1), now).allowed);
  EXPECT_TRUE(limiter.Take(std::span(&r, 1), now).allowed);
  LimitOutcome third = limiter.Take(std::span(&r, 1), now);
  EXPECT_FALSE(third.unavailable);
  EXPECT_FALSE(third.allowed);
  // Pub/sub over TLS.
  RedisSubscriber sub(pool.options(), pool.tls(), "tls:changes");
  ASSERT_TRUE(sub.Connect().ok());
  ASSERT_TRUE(pool.Command({"PUBLISH", "tls:changes", "hello"}).ok());
  std::optional<std::string> got;
  for (int i = 0; i < 50 && !got; ++i) {
    auto m = sub.Poll(std::chrono::milliseconds(100));
    ASSERT_TRUE(m.ok());
    got = *m;
  }
  EXPECT_EQ(got, "hello");
}

TEST_F(RedisTlsTest, AWrongCaIsRefusedWithTheReason) {
  RedisPool pool(Options(server_.tls_url("kw:s3cret-pw"), server_.other_ca_file()));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message().find("certificate"), std::string::npos) << st.error().message();
  EXPECT_EQ(st.error().message().find("s3cret"), std::string::npos);
  EXPECT_NE(pool.last_error().find("certificate"), std::string::npos);
  EXPECT_FALSE(pool.healthy());
}

TEST_F(RedisTlsTest, AHostNameTheCertificateDoesNotNameIsRefused) {
  // The certificate names "localhost" only; 127.0.0.1 is the same server under another name.
  RedisPool pool(Options(server_.tls_url("kw:s3cret-pw", "127.0.0.1"), server_.ca_file()));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("mismatch"), std::string::npos) << st.error().message();
}

TEST_F(RedisTlsTest, AWrongPasswordIsRefusedWithoutQuotingIt) {
  RedisPool pool(Options(server_.tls_url("kw:not-the-pw"), server_.ca_file()));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(st.error().message().find("AUTH"), std::string::npos) << st.error().message();
  EXPECT_EQ(st.error().message().find("not-the-pw"), std::string::npos);
}

TEST_F(RedisTlsTest, APlainConnectionToTheTlsPortFailsAndTlsToAPlainPortFails) {
  RedisPool plain(
      Options("redis://kw:s3cret-pw@localhost:" + std::to_string(server_.tls_port()), ""));
  EXPECT_FALSE(plain.Ping().ok());
  RedisPool tls_to_plain(
      Options("rediss://localhost:" + std::to_string(server_.port()), server_.ca_file()));
  Status st = tls_to_plain.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("TLS"), std::string::npos) << st.error().message();
}

TEST_F(RedisTlsTest, AnUnreadableCaFileIsTheReason) {
  RedisPool pool(Options(server_.tls_url("kw:s3cret-pw"), "/nonexistent/ca.pem"));
  Status st = pool.Ping();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message().find("tls_ca_file"), std::string::npos) << st.error().message();
}

}  // namespace
}  // namespace keyward
