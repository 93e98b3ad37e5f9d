// Base62 digits in value order: 0-9 = 0..9, A-Z = 10..35, a-z = 36..61.
#include "core/base62.h"

#include <array>

namespace keyward {
namespace {

constexpr int8_t kInvalid = -1;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (size_t i = 0; i < kBase62Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase62Alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

// 62^10 < 2^64, so ten digits never overflow a uint64_t.
constexpr size_t kMaxDecodeDigits = 10;

}  // namespace

bool IsBase62Char(char c) {
  return kDecode[static_cast<unsigned char>(c)] != kInvalid;
}

bool IsBase62(std::string_view s) {
  for (char c : s) {
    if (!IsBase62Char(c)) return false;
  }
  return true;
}

std::string EncodeBase62Fixed(uint64_t value, size_t width) {
  std::string out(width, '0');
  for (size_t i = width; i > 0; --i) {
    out[i - 1] = kBase62Alphabet[value % 62];
    value /= 62;
  }
  return out;
}

std::optional<uint64_t> DecodeBase62(std::string_view digits) {
  if (digits.size() > kMaxDecodeDigits) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    const int8_t d = kDecode[static_cast<unsigned char>(c)];
    if (d == kInvalid) return std::nullopt;
    value = value * 62 + static_cast<uint64_t>(d);
  }
  return value;
}

}  // namespace keyward
