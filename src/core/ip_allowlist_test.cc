#include "core/ip_allowlist.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

std::string NormText(std::string_view text) {
  auto n = NormalizeCidr(text);
  return n.ok() ? *n : "error: " + n.error().message();
}

TEST(NormalizeCidr, BareAddressesBecomeHostRanges) {
  EXPECT_EQ(NormText("203.0.113.7"), "203.0.113.7/32");
  EXPECT_EQ(NormText("2001:DB8::1"), "2001:db8::1/128");
  EXPECT_EQ(NormText("::1"), "::1/128");
}

TEST(NormalizeCidr, CanonicalText) {
  EXPECT_EQ(NormText("10.0.0.0/8"), "10.0.0.0/8");
  EXPECT_EQ(NormText("2001:0db8:0000::/32"), "2001:db8::/32");
  EXPECT_EQ(NormText("0.0.0.0/0"), "0.0.0.0/0");
  EXPECT_EQ(NormText("::/0"), "::/0");
}

TEST(NormalizeCidr, RefusesHostBitsAndGarbage) {
  for (std::string_view bad : {"10.0.0.1/8", "2001:db8::1/32", "10.0.0.0/33", "::/129", "10.0.0.0/",
                               "10.0.0.0/x", "example.com", "", "10.0.0.0/8/8", "1.2.3.4 "}) {
    auto n = NormalizeCidr(bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.error().param(), "ip_allowlist");
    EXPECT_EQ(n.error().code(), ErrorCode::kInvalidRequest);
  }
}

TEST(NormalizeAllowlist, DropsDuplicatesKeepsOrderAndCapsAt100) {
  auto n = NormalizeAllowlist({"10.0.0.0/8", "192.0.2.1", "10.0.0.0/8", "192.0.2.1/32"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, (std::vector<std::string>{"10.0.0.0/8", "192.0.2.1/32"}));
  std::vector<std::string> many;
  for (int i = 0; i < 101; ++i) many.push_back("10.0.0." + std::to_string(i));
  EXPECT_FALSE(NormalizeAllowlist(many).ok());
  many.pop_back();
  EXPECT_TRUE(NormalizeAllowlist(many).ok());
}

TEST(ParseAllowlist, RangesMatch) {
  auto ranges = ParseAllowlist({"10.0.0.0/8", "2001:db8::/32"});
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_TRUE(AnyContains(ranges, *ParseIp("10.9.8.7")));
  EXPECT_TRUE(AnyContains(ranges, *ParseIp("::ffff:10.9.8.7")));
  EXPECT_TRUE(AnyContains(ranges, *ParseIp("2001:db8:1::5")));
  EXPECT_FALSE(AnyContains(ranges, *ParseIp("11.0.0.1")));
}

}  // namespace
}  // namespace keyward
