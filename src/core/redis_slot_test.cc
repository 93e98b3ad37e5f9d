#include "core/redis_slot.h"

#include <gtest/gtest.h>

#include <string>

namespace keyward {
namespace {

TEST(RedisSlot, Crc16MatchesTheClusterSpecVector) {
  // Redis Cluster specification, appendix A: CRC16 of "123456789" is 0x31C3.
  EXPECT_EQ(RedisCrc16("123456789"), 0x31C3);
  EXPECT_EQ(RedisCrc16(""), 0);
}

TEST(RedisSlot, KnownSlots) {
  // Figures redis-cli's CLUSTER KEYSLOT gives.
  EXPECT_EQ(RedisKeySlot("foo"), 12182);
  EXPECT_EQ(RedisKeySlot("bar"), 5061);
  EXPECT_EQ(RedisKeySlot("123456789"), 0x31C3 % 16384);
}

TEST(RedisSlot, HashTagRules) {
  // The text between the first '{' and the first '}' after it decides.
  EXPECT_EQ(RedisKeySlot("{user1000}.following"), RedisKeySlot("user1000"));
  EXPECT_EQ(RedisKeySlot("{user1000}.followers"), RedisKeySlot("{user1000}.following"));
  EXPECT_EQ(RedisKeySlot("kw:rl:{acct_1}tok_2"), RedisKeySlot("kw:cr:{acct_1}"));
  // Only the first tag counts.
  EXPECT_EQ(RedisHashTagOf("foo{bar}{zap}"), "bar");
  // "{}" is no tag: the whole key is hashed.
  EXPECT_EQ(RedisHashTagOf("foo{}{bar}"), "foo{}{bar}");
  EXPECT_EQ(RedisKeySlot("foo{}{bar}"), RedisCrc16("foo{}{bar}") % 16384);
  // The first '}' after the first '{'.
  EXPECT_EQ(RedisHashTagOf("foo{{bar}}zap"), "{bar");
  EXPECT_EQ(RedisHashTagOf("foo{bar}{zap}"), "bar");
  // An unclosed '{' is no tag.
  EXPECT_EQ(RedisHashTagOf("foo{bar"), "foo{bar");
}

TEST(RedisSlot, SlotTagsReachEverySlot) {
  for (uint32_t slot = 0; slot < kRedisClusterSlots; ++slot) {
    const std::string_view tag = RedisSlotTag(static_cast<uint16_t>(slot));
    ASSERT_FALSE(tag.empty());
    ASSERT_LE(tag.size(), 6u);
    ASSERT_EQ(RedisKeySlot(tag), slot);
    ASSERT_EQ(RedisKeySlot("kw:cr:dirty{" + std::string(tag) + "}"), slot);
  }
}

}  // namespace
}  // namespace keyward
