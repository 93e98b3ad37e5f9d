#include "core/sealed_box.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

const std::string kKey(32, 'k');

TEST(SealedBoxTest, RoundTripsAndNeverShowsThePlaintext) {
  auto sealed = Seal(kKey, "whsec_secret");
  ASSERT_TRUE(sealed);
  EXPECT_TRUE(sealed->starts_with("v1:"));
  EXPECT_EQ(sealed->find("whsec_secret"), std::string::npos);
  EXPECT_EQ(Unseal(kKey, *sealed), "whsec_secret");
  EXPECT_NE(*Seal(kKey, "whsec_secret"), *sealed) << "a fresh nonce per seal";
}

TEST(SealedBoxTest, RefusesAnotherKeyTamperingAndGarbage) {
  auto sealed = *Seal(kKey, "whsec_secret");
  EXPECT_FALSE(Unseal(std::string(32, 'x'), sealed));
  std::string tampered = sealed;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_FALSE(Unseal(kKey, tampered));
  EXPECT_FALSE(Unseal(kKey, "v1:zz"));
  EXPECT_FALSE(Unseal(kKey, "whsec_plain"));
  EXPECT_FALSE(Seal("short", "x"));
  EXPECT_FALSE(Unseal("short", sealed));
}

}  // namespace
}  // namespace keyward
