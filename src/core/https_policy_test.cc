#include "core/https_policy.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/test_util.h"

namespace keyward {
namespace {

std::vector<Cidr> Ranges(std::initializer_list<std::string_view> texts) {
  std::vector<Cidr> out;
  for (auto t : texts) out.push_back(*Cidr::Parse(t));
  return out;
}

TEST(IsLoopback, V4WholeSlashEight) {
  EXPECT_TRUE(IsLoopback(Ip("127.0.0.1")));
  EXPECT_TRUE(IsLoopback(Ip("127.255.3.4")));
  EXPECT_FALSE(IsLoopback(Ip("128.0.0.1")));
  EXPECT_FALSE(IsLoopback(Ip("10.0.0.1")));
  EXPECT_FALSE(IsLoopback(Ip("0.0.0.0")));
}

TEST(IsLoopback, V6OnlyColonColonOne) {
  EXPECT_TRUE(IsLoopback(Ip("::1")));
  EXPECT_FALSE(IsLoopback(Ip("::")));
  EXPECT_FALSE(IsLoopback(Ip("::2")));
  EXPECT_FALSE(IsLoopback(Ip("fe80::1")));
  EXPECT_FALSE(IsLoopback(Ip("2001:db8::1")));
  EXPECT_FALSE(IsLoopback(IpAddress{}));  // an unknown peer is not loopback
}

TEST(HttpsRequired, NeverWithoutTls) {
  EXPECT_FALSE(HttpsRequired(false, false, Ip("203.0.113.9"), {}));
  EXPECT_FALSE(HttpsRequired(false, false, IpAddress{}, {}));
}

TEST(HttpsRequired, NeverOverTls) {
  EXPECT_FALSE(HttpsRequired(true, true, Ip("203.0.113.9"), {}));
}

TEST(HttpsRequired, PlainFromRemotePeerIsRefused) {
  EXPECT_TRUE(HttpsRequired(true, false, Ip("203.0.113.9"), {}));
  EXPECT_TRUE(HttpsRequired(true, false, Ip("10.1.2.3"), Ranges({"127.0.0.1/32", "::1/128"})));
  EXPECT_TRUE(HttpsRequired(true, false, Ip("2001:db8::5"), Ranges({"127.0.0.1/32"})));
  EXPECT_TRUE(HttpsRequired(true, false, IpAddress{}, {}));  // unknown peer: fail closed
}

TEST(HttpsRequired, PlainFromLoopbackIsAllowedEvenWhenNotTrusted) {
  EXPECT_FALSE(HttpsRequired(true, false, Ip("127.0.0.1"), {}));
  EXPECT_FALSE(HttpsRequired(true, false, Ip("127.0.0.53"), {}));
  EXPECT_FALSE(HttpsRequired(true, false, Ip("::1"), {}));
}

TEST(HttpsRequired, PlainFromTrustedProxyIsAllowed) {
  const auto trusted = Ranges({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_FALSE(HttpsRequired(true, false, Ip("10.9.8.7"), trusted));
  EXPECT_FALSE(HttpsRequired(true, false, Ip("2001:db8::5"), trusted));
  EXPECT_TRUE(HttpsRequired(true, false, Ip("11.0.0.1"), trusted));
}

}  // namespace
}  // namespace keyward
