#include "core/small_vector.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

namespace keyward {
namespace {

TEST(SmallVector, InlineUpToNThenOnTheHeap) {
  SmallVector<int, 2> v;
  EXPECT_TRUE(v.empty());
  v.resize(2);
  EXPECT_EQ(v.size(), 2u);
  const int* inline_data = v.data();
  v[0] = 1;
  v[1] = 2;
  EXPECT_EQ(std::accumulate(v.begin(), v.end(), 0), 3);
  v.resize(5);  // beyond N: moves to the heap, elements default-constructed
  EXPECT_EQ(v.size(), 5u);
  EXPECT_NE(v.data(), inline_data);
  for (int x : v) EXPECT_EQ(x, 0);
  v.resize(1);
  EXPECT_EQ(v.data(), inline_data);
  EXPECT_EQ(v[0], 0);  // resize does not keep contents across the inline/heap boundary
}

TEST(SmallVector, GrowingInlineDefaultConstructsTheNewElements) {
  SmallVector<std::string, 3> v(1);
  v[0] = "a";
  v.resize(3);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "");
  EXPECT_EQ(v[2], "");
  v.clear();
  EXPECT_TRUE(v.empty());
}

}  // namespace
}  // namespace keyward
