// Base62 with the alphabet 0-9 A-Z a-z (value order). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keyward {

inline constexpr std::string_view kBase62Alphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool IsBase62Char(char c);
bool IsBase62(std::string_view s);  // true for "" too

// `value` in exactly `width` digits, most significant first, left-padded with '0'.
// Precondition: value < 62^width.
std::string EncodeBase62Fixed(uint64_t value, size_t width);

// The value of `digits` (at most 10 characters), or nullopt on a non-base62 character or overflow.
std::optional<uint64_t> DecodeBase62(std::string_view digits);

}  // namespace keyward
