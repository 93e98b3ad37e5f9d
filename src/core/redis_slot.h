// Redis Cluster key slots (the cluster specification): CRC16-CCITT (XModem) of the key, or of its
// hash tag — the text between the first '{' and the first '}' after it, when that text is not
// empty — modulo 16384. Keys with the same tag live on the same slot, so one script may use them
// together. RedisSlotTag(slot) is a short text whose own slot is `slot` (a table built once), for
// keys that must sit on a given slot without naming an account (e.g. a slot's dirty set).
// Pure; thread-safe (the table is built on first use, thread-safely).
#pragma once

#include <cstdint>
#include <string_view>

namespace keyward {

inline constexpr uint16_t kRedisClusterSlots = 16384;

uint16_t RedisCrc16(std::string_view data);
// The slot of `key`, honouring its hash tag.
uint16_t RedisKeySlot(std::string_view key);
// The hash tag `key` uses for its slot: the tag, or the whole key when it has none.
std::string_view RedisHashTagOf(std::string_view key);
// A short text T with RedisKeySlot(T) == slot (so "{T}" tags a key onto `slot`).
std::string_view RedisSlotTag(uint16_t slot);

}  // namespace keyward
