#include "core/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace keyward {
namespace {

TEST(Sha256, NistVectors) {
  EXPECT_EQ(DigestHex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(DigestHex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(DigestHex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(DigestHex(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, ContextIsReusedCorrectly) {
  // Interleaved calls on one thread must not leak state between digests.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(DigestHex(Sha256("abc")),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(DigestHex(Sha256("")),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }
}

TEST(Sha256, ThreadsGetTheSameAnswers) {
  const Digest expected = Sha256("abc");
  std::vector<std::thread> threads;
  std::vector<int> ok(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      int good = 0;
      for (int i = 0; i < 1000; ++i) good += Sha256("abc") == expected;
      ok[t] = good;
    });
  }
  for (auto& th : threads) th.join();
  for (int v : ok) EXPECT_EQ(v, 1000);
}

TEST(Sha256, HexRoundTrip) {
  for (const char* s : {"", "abc", "sk_live_xyz"}) {
    const Digest d = Sha256(s);
    const std::string hex = DigestHex(d);
    ASSERT_EQ(hex.size(), 64u);
    for (char c : hex) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    Digest back{};
    ASSERT_TRUE(DigestFromHex(hex, &back));
    EXPECT_EQ(back, d);
  }
  Digest all{};
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint8_t>(i * 8 + 7);
  Digest back{};
  ASSERT_TRUE(DigestFromHex(DigestHex(all), &back));
  EXPECT_EQ(back, all);
}

TEST(Sha256, FromHexAcceptsUppercase) {
  Digest d{};
  ASSERT_TRUE(
      DigestFromHex("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", &d));
  EXPECT_EQ(d, Sha256("abc"));
}

TEST(Sha256, FromHexRejectsAndLeavesOutputAlone) {
  const std::string good = DigestHex(Sha256("abc"));
  Digest sentinel{};
  sentinel.fill(0x5A);
  Digest d = sentinel;
  EXPECT_FALSE(DigestFromHex("", &d));
  EXPECT_FALSE(DigestFromHex(good.substr(1), &d));
  EXPECT_FALSE(DigestFromHex(good + "0", &d));
  EXPECT_FALSE(DigestFromHex(good.substr(2) + "0g", &d));
  std::string spaced = good;
  spaced[0] = ' ';
  EXPECT_FALSE(DigestFromHex(spaced, &d));
  std::string dashed = good;
  dashed[63] = '-';
  EXPECT_FALSE(DigestFromHex(dashed, &d));
  EXPECT_EQ(d, sentinel);
}

TEST(Sha256, DigestHashUsesLeadingBytes) {
  Digest a{};
  Digest b{};
  b[31] = 1;  // differs only past the first 8 bytes
  EXPECT_EQ(DigestHash{}(a), DigestHash{}(b));
  Digest c{};
  c[0] = 1;
  EXPECT_NE(DigestHash{}(a), DigestHash{}(c));
  std::unordered_set<Digest, DigestHash> set;
  for (int i = 0; i < 1000; ++i) set.insert(Sha256(std::to_string(i)));
  EXPECT_EQ(set.size(), 1000u);
  EXPECT_TRUE(set.contains(Sha256("999")));
  EXPECT_FALSE(set.contains(Sha256("1000")));
}

TEST(ConstantTimeEquals, Cases) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "xbc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  const std::string long_a(4096, 'x');
  std::string long_b = long_a;
  EXPECT_TRUE(ConstantTimeEquals(long_a, long_b));
  long_b[4095] = 'y';
  EXPECT_FALSE(ConstantTimeEquals(long_a, long_b));
}

}  // namespace
}  // namespace keyward
