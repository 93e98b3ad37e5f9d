// An independent oracle of the key format (API.md 2.1): prefix + 32 random base62 characters +
// 6 base62 characters of CRC32 over everything before them. Written from the contract, not from
// src/ (it shares no code with keyward), so that it can catch keyward getting its own format wrong.
// Pure functions; thread-safe (the random source is thread-local).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyward_it {

inline constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// CRC-32 (IEEE 802.3, reflected, as zlib).
uint32_t Crc32(std::string_view data);
// `value` in base62, most significant first, left-padded with '0' to `width` characters.
std::string EncodeBase62Fixed(uint64_t value, size_t width);
// `n` random base62 characters (not cryptographic: test data only).
std::string RandomBase62(size_t n);
// A well-formed key that was never issued: prefix (e.g. "sk_live_") + 32 random base62 + checksum.
std::string MakeWellFormedKey(std::string_view prefix);
// True when the last 6 characters are the base62 CRC32 of everything before them.
bool ChecksumValid(std::string_view key);
// `key` with the character at `index` replaced by another base62 character.
std::string FlipChar(std::string key, size_t index);

}  // namespace keyward_it
