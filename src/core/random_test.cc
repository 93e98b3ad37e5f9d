#include "core/random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

#include "core/base62.h"

namespace keyward {
namespace {

TEST(Random, FillRandomFillsEveryLength) {
  for (size_t n : {0u, 1u, 7u, 64u, 300u, 70000u}) {
    std::vector<uint8_t> buf(n, 0);
    FillRandom(buf);
    if (n >= 64) {
      // 64+ zero bytes from a CSPRNG would be a 2^-512 event.
      bool any = false;
      for (uint8_t b : buf) any |= b != 0;
      EXPECT_TRUE(any) << n;
    }
  }
}

TEST(Random, Base62LengthsAndAlphabet) {
  for (size_t n : {0u, 1u, 24u, 32u, 63u, 64u, 65u, 1000u}) {
    const std::string s = RandomBase62(n);
    EXPECT_EQ(s.size(), n);
    EXPECT_TRUE(IsBase62(s));
  }
}

TEST(Random, Base62UsesWholeAlphabet) {
  // 62 000 draws: each character is expected ~1000 times; missing one is ~e^-1000.
  const std::string s = RandomBase62(62000);
  std::array<int, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  for (char c : kBase62Alphabet) {
    EXPECT_GT(counts[static_cast<unsigned char>(c)], 700) << c;
    EXPECT_LT(counts[static_cast<unsigned char>(c)], 1300) << c;
  }
}

TEST(Random, HexLengthsAndAlphabet) {
  for (size_t n : {0u, 1u, 16u, 32u, 64u, 65u, 200u}) {
    const std::string s = RandomHex(n);
    EXPECT_EQ(s.size(), 2 * n);
    for (char c : s) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << s;
  }
}

TEST(Random, Distinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(RandomBase62(32)).second);
    EXPECT_TRUE(seen.insert(RandomHex(16)).second);
  }
}

}  // namespace
}  // namespace keyward
