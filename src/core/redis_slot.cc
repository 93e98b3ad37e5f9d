// See redis_slot.h.
#include "core/redis_slot.h"

#include <array>
#include <string>

namespace keyward {
namespace {

constexpr std::array<uint16_t, 256> MakeCrcTable() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; ++b) {
      crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    t[static_cast<size_t>(i)] = crc;
  }
  return t;
}

constexpr std::array<uint16_t, 256> kCrcTable = MakeCrcTable();

// Every slot's tag: the shortest decimal numbers ("0", "1", …) reach all 16384 slots well
// before 200 000; each slot keeps the first number that lands on it. Stored as 6 characters
// plus a length.
struct SlotTags {
  std::array<std::array<char, 7>, kRedisClusterSlots> text{};
  std::array<uint8_t, kRedisClusterSlots> len{};
  SlotTags() {
    size_t filled = 0;
    for (uint32_t n = 0; filled < kRedisClusterSlots; ++n) {
      const std::string s = std::to_string(n);
      const uint16_t slot = RedisKeySlot(s);
      if (len[slot] != 0) continue;
      for (size_t i = 0; i < s.size(); ++i) text[slot][i] = s[i];
      len[slot] = static_cast<uint8_t>(s.size());
      ++filled;
    }
  }
};

}  // namespace

uint16_t RedisCrc16(std::string_view data) {
  uint16_t crc = 0;
  for (const char c : data) {
    crc = static_cast<uint16_t>((crc << 8) ^
                                kCrcTable[((crc >> 8) ^ static_cast<uint8_t>(c)) & 0xff]);
  }
  return crc;
}

std::string_view RedisHashTagOf(std::string_view key) {
  const size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  const size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

uint16_t RedisKeySlot(std::string_view key) {
  return static_cast<uint16_t>(RedisCrc16(RedisHashTagOf(key)) % kRedisClusterSlots);
}

std::string_view RedisSlotTag(uint16_t slot) {
  static const SlotTags tags;
  slot %= kRedisClusterSlots;
  return std::string_view(tags.text[slot].data(), tags.len[slot]);
}

}  // namespace keyward
