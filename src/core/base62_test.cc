#include "core/base62.h"

#include <gtest/gtest.h>

#include <limits>

namespace keyward {
namespace {

TEST(Base62, AlphabetIsValueOrdered) {
  ASSERT_EQ(kBase62Alphabet.size(), 62u);
  for (size_t i = 1; i < kBase62Alphabet.size(); ++i) {
    EXPECT_LT(kBase62Alphabet[i - 1], kBase62Alphabet[i]);
  }
}

TEST(Base62, IsBase62CharMatchesAlphabetExactly) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    EXPECT_EQ(IsBase62Char(ch), kBase62Alphabet.find(ch) != std::string_view::npos) << c;
  }
}

TEST(Base62, IsBase62) {
  EXPECT_TRUE(IsBase62(""));
  EXPECT_TRUE(IsBase62("abcXYZ019"));
  EXPECT_FALSE(IsBase62("abc_"));
  EXPECT_FALSE(IsBase62("a b"));
  EXPECT_FALSE(IsBase62("-"));
  EXPECT_FALSE(IsBase62(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsBase62("\xC3\xA9"));
}

TEST(Base62, EncodeFixedKnownValues) {
  EXPECT_EQ(EncodeBase62Fixed(0, 6), "000000");
  EXPECT_EQ(EncodeBase62Fixed(1, 3), "001");
  EXPECT_EQ(EncodeBase62Fixed(9, 1), "9");
  EXPECT_EQ(EncodeBase62Fixed(10, 1), "A");
  EXPECT_EQ(EncodeBase62Fixed(35, 1), "Z");
  EXPECT_EQ(EncodeBase62Fixed(36, 1), "a");
  EXPECT_EQ(EncodeBase62Fixed(61, 1), "z");
  EXPECT_EQ(EncodeBase62Fixed(62, 2), "10");
  EXPECT_EQ(EncodeBase62Fixed(62 * 62 - 1, 2), "zz");
  EXPECT_EQ(EncodeBase62Fixed(0xFFFFFFFFu, 6), "4gfFC3");
  EXPECT_EQ(EncodeBase62Fixed(5, 0), "");
}

TEST(Base62, DecodeKnownValues) {
  EXPECT_EQ(DecodeBase62("0"), 0u);
  EXPECT_EQ(DecodeBase62(""), 0u);
  EXPECT_EQ(DecodeBase62("z"), 61u);
  EXPECT_EQ(DecodeBase62("10"), 62u);
  EXPECT_EQ(DecodeBase62("4gfFC3"), 0xFFFFFFFFu);
  EXPECT_EQ(DecodeBase62("0000000001"), 1u);
  // 62^10 - 1, the largest ten-digit value, fits in 64 bits.
  EXPECT_EQ(DecodeBase62("zzzzzzzzzz"), 839299365868340223u);
}

TEST(Base62, DecodeRejects) {
  EXPECT_FALSE(DecodeBase62("00000000000"));  // 11 digits
  EXPECT_FALSE(DecodeBase62("zzzzzzzzzzz"));
  EXPECT_FALSE(DecodeBase62("_"));
  EXPECT_FALSE(DecodeBase62("12 3"));
  EXPECT_FALSE(DecodeBase62("-1"));
  EXPECT_FALSE(DecodeBase62("+1"));
}

TEST(Base62, RoundTrip) {
  const uint64_t values[] = {0,
                             1,
                             61,
                             62,
                             63,
                             3843,
                             3844,
                             123456789,
                             0xFFFFFFFFu,
                             56800235583u /* 62^6 - 1 */,
                             839299365868340223u};
  for (uint64_t v : values) {
    for (size_t width = 1; width <= 10; ++width) {
      uint64_t cap = 1;
      for (size_t i = 0; i < width; ++i) cap *= 62;
      if (v >= cap) continue;
      const std::string s = EncodeBase62Fixed(v, width);
      ASSERT_EQ(s.size(), width);
      ASSERT_TRUE(IsBase62(s));
      EXPECT_EQ(DecodeBase62(s), v) << s;
    }
  }
  for (uint64_t v = 0; v < 62 * 62 * 3; ++v) {
    EXPECT_EQ(DecodeBase62(EncodeBase62Fixed(v, 3)), v);
  }
}

TEST(Base62, EncodingPreservesOrder) {
  for (uint64_t v = 1; v < 5000; ++v) {
    EXPECT_LT(EncodeBase62Fixed(v - 1, 4), EncodeBase62Fixed(v, 4));
  }
}

}  // namespace
}  // namespace keyward
