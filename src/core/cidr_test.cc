#include "core/cidr.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/test_util.h"

namespace keyward {
namespace {

bool In(std::string_view range, std::string_view ip) {
  const std::optional<Cidr> c = Cidr::Parse(range);
  EXPECT_TRUE(c.has_value()) << range;
  return c && c->Contains(Ip(ip));
}

TEST(ParseIp, V4) {
  const IpAddress ip = Ip("10.1.2.3");
  EXPECT_TRUE(ip.is_v4);
  const std::array<uint8_t, 16> want = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3};
  EXPECT_EQ(ip.bytes, want);
  EXPECT_TRUE(Ip("0.0.0.0").is_v4);
  EXPECT_TRUE(Ip("255.255.255.255").is_v4);
}

TEST(ParseIp, V6) {
  const IpAddress ip = Ip("::1");
  EXPECT_FALSE(ip.is_v4);
  std::array<uint8_t, 16> want{};
  want[15] = 1;
  EXPECT_EQ(ip.bytes, want);
  EXPECT_FALSE(Ip("2001:db8::1").is_v4);
  EXPECT_FALSE(Ip("::").is_v4);
  EXPECT_FALSE(Ip("fe80::1:2:3:4").is_v4);
  EXPECT_FALSE(Ip("1:2:3:4:5:6:7:8").is_v4);
}

TEST(ParseIp, MappedIsV4) {
  const IpAddress mapped = Ip("::ffff:10.1.2.3");
  EXPECT_TRUE(mapped.is_v4);
  EXPECT_EQ(mapped.bytes, Ip("10.1.2.3").bytes);
  EXPECT_EQ(Ip("::ffff:a01:203").bytes, Ip("10.1.2.3").bytes);
}

TEST(ParseIp, Rejects) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/32", " 1.2.3.4",
                          "1.2.3.4 ", "01.2.3.4x", "::1::", ":::", "1:2:3:4:5:6:7:8:9", "[::1]",
                          "fe80::1%eth0", "localhost", "1.2.3.-4", "gggg::1", "0x7f.0.0.1"}) {
    EXPECT_FALSE(ParseIp(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseIp(std::string(200, '1')).has_value());
  EXPECT_FALSE(ParseIp(std::string_view("1.2.3.4\0", 8)).has_value());
}

TEST(Cidr, V4Ranges) {
  EXPECT_TRUE(In("10.0.0.0/8", "10.0.0.0"));
  EXPECT_TRUE(In("10.0.0.0/8", "10.255.255.255"));
  EXPECT_FALSE(In("10.0.0.0/8", "11.0.0.0"));
  EXPECT_FALSE(In("10.0.0.0/8", "9.255.255.255"));
  EXPECT_TRUE(In("192.168.1.0/24", "192.168.1.77"));
  EXPECT_FALSE(In("192.168.1.0/24", "192.168.2.1"));
  EXPECT_TRUE(In("172.16.0.0/12", "172.31.255.255"));
  EXPECT_FALSE(In("172.16.0.0/12", "172.32.0.0"));
  EXPECT_TRUE(In("127.0.0.1/32", "127.0.0.1"));
  EXPECT_FALSE(In("127.0.0.1/32", "127.0.0.2"));
  EXPECT_TRUE(In("127.0.0.1", "127.0.0.1"));  // bare address
  EXPECT_FALSE(In("127.0.0.1", "127.0.0.2"));
  EXPECT_TRUE(In("10.1.2.3/8", "10.200.0.1"));  // host bits are ignored
  EXPECT_TRUE(In("1.2.3.4/31", "1.2.3.5"));
  EXPECT_FALSE(In("1.2.3.4/31", "1.2.3.6"));
  EXPECT_TRUE(In("128.0.0.0/1", "200.0.0.1"));
  EXPECT_FALSE(In("128.0.0.0/1", "127.255.255.255"));
}

TEST(Cidr, V6Ranges) {
  EXPECT_TRUE(In("::1/128", "::1"));
  EXPECT_FALSE(In("::1/128", "::2"));
  EXPECT_TRUE(In("::1", "::1"));
  EXPECT_TRUE(In("2001:db8::/32", "2001:db8:ffff::1"));
  EXPECT_FALSE(In("2001:db8::/32", "2001:db9::1"));
  EXPECT_TRUE(In("fe80::/10", "febf::1"));
  EXPECT_FALSE(In("fe80::/10", "fec0::1"));
  EXPECT_TRUE(In("2001:db8::/127", "2001:db8::1"));
  EXPECT_FALSE(In("2001:db8::/127", "2001:db8::2"));
}

TEST(Cidr, MappedAddressesMatchV4Ranges) {
  EXPECT_TRUE(In("127.0.0.0/8", "::ffff:127.0.0.1"));
  EXPECT_FALSE(In("127.0.0.0/8", "::ffff:128.0.0.1"));
  EXPECT_TRUE(In("::ffff:0:0/96", "8.8.8.8"));
  EXPECT_TRUE(In("::ffff:10.0.0.0/104", "10.9.9.9"));
  EXPECT_FALSE(In("::ffff:10.0.0.0/104", "11.0.0.0"));
  // A v4 range never contains a real IPv6 address.
  EXPECT_FALSE(In("0.0.0.0/0", "::1"));
  EXPECT_FALSE(In("127.0.0.1/32", "::1"));
  EXPECT_FALSE(In("::1/128", "127.0.0.1"));
}

TEST(Cidr, ZeroPrefix) {
  EXPECT_TRUE(In("0.0.0.0/0", "1.2.3.4"));
  EXPECT_TRUE(In("0.0.0.0/0", "255.255.255.255"));
  EXPECT_TRUE(In("0.0.0.0/0", "::ffff:1.2.3.4"));
  EXPECT_TRUE(In("::/0", "::1"));
  EXPECT_TRUE(In("::/0", "2001:db8::1"));
  EXPECT_TRUE(In("::/0", "1.2.3.4"));
  EXPECT_TRUE(In("1.2.3.4/0", "9.9.9.9"));
}

TEST(Cidr, BadInput) {
  for (const char* bad :
       {"", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8",
        "10.0.0.0/ 8", "10.0.0.0 /8", "10.0.0.0/8 ", "10.0.0.0/0008", "10.0.0.0/a", "::/129",
        "::1/1000", "10.0.0/8", "::ffff:1.2.3.4/129", "host/8", "10.0.0.0/8x"}) {
    EXPECT_FALSE(Cidr::Parse(bad).has_value()) << bad;
  }
}

TEST(Cidr, TextIsKept) {
  EXPECT_EQ(Cidr::Parse("10.0.0.0/8")->text(), "10.0.0.0/8");
  EXPECT_EQ(Cidr::Parse("::1")->text(), "::1");
}

TEST(Cidr, AnyContains) {
  std::vector<Cidr> ranges;
  for (const char* r : {"127.0.0.1/32", "::1/128", "10.0.0.0/8"}) ranges.push_back(*Cidr::Parse(r));
  EXPECT_TRUE(AnyContains(ranges, Ip("127.0.0.1")));
  EXPECT_TRUE(AnyContains(ranges, Ip("::1")));
  EXPECT_TRUE(AnyContains(ranges, Ip("::ffff:10.0.0.1")));
  EXPECT_FALSE(AnyContains(ranges, Ip("192.168.0.1")));
  EXPECT_FALSE(AnyContains(ranges, Ip("::2")));
  EXPECT_FALSE(AnyContains({}, Ip("127.0.0.1")));
}

}  // namespace
}  // namespace keyward
