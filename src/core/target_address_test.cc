#include "core/target_address.h"

#include <gtest/gtest.h>

#include <vector>

namespace keyward {
namespace {

TEST(TargetAddressTest, InternalRangesAreRefusedUnlessAllowed) {
  for (const char* ip : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
                         "0.0.0.0", "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "::",
                         "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"}) {
    auto parsed = ParseIp(ip);
    ASSERT_TRUE(parsed) << ip;
    EXPECT_TRUE(IsInternalAddress(*parsed)) << ip;
    EXPECT_FALSE(IsAllowedTarget(*parsed, {})) << ip;
  }
  for (const char* ip : {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:1.1.1.1"}) {
    auto parsed = ParseIp(ip);
    ASSERT_TRUE(parsed) << ip;
    EXPECT_FALSE(IsInternalAddress(*parsed)) << ip;
    EXPECT_TRUE(IsAllowedTarget(*parsed, {})) << ip;
  }
  const std::vector<Cidr> allow = {*Cidr::Parse("127.0.0.1/32")};
  EXPECT_TRUE(IsAllowedTarget(*ParseIp("127.0.0.1"), allow));
  EXPECT_FALSE(IsAllowedTarget(*ParseIp("127.0.0.2"), allow));
  EXPECT_FALSE(IsAllowedTarget(*ParseIp("::1"), allow));
}

}  // namespace
}  // namespace keyward
