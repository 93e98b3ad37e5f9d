#include "core/crc32.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward {
namespace {

TEST(Crc32, KnownVectors) {
  EXPECT_EQ(Crc32(""), 0x00000000u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32("a"), 0xE8B7BE43u);
  EXPECT_EQ(Crc32("abc"), 0x352441C2u);
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(Crc32(std::string(32, '\0')), 0x190A55ADu);
  EXPECT_EQ(Crc32(std::string(32, '\xFF')), 0xFF6CAB0Bu);
}

TEST(Crc32, HighBytesAreUnsigned) {
  EXPECT_EQ(Crc32("\x80"), 0x3FBA6CADu);
  EXPECT_EQ(Crc32("\xFF"), 0xFF000000u);
}

TEST(Crc32, DetectsEverySingleByteChange) {
  const std::string base = "sk_live_0123456789abcdefghijABCDEFGHIJ";
  const uint32_t original = Crc32(base);
  for (size_t i = 0; i < base.size(); ++i) {
    for (int c = 0; c < 256; ++c) {
      if (static_cast<char>(c) == base[i]) continue;
      std::string changed = base;
      changed[i] = static_cast<char>(c);
      ASSERT_NE(Crc32(changed), original) << i << " " << c;
    }
  }
}

}  // namespace
}  // namespace keyward
