// The independent key-format oracle: see key_oracle.h.
#include "harness/key_oracle.h"

#include <random>

namespace keyward_it {
namespace {

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string EncodeBase62Fixed(uint64_t value, size_t width) {
  std::string out(width, '0');
  for (size_t i = width; i-- > 0;) {
    out[i] = kBase62[value % 62];
    value /= 62;
  }
  return out;
}

std::string RandomBase62(size_t n) {
  std::uniform_int_distribution<size_t> d(0, 61);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kBase62[d(Rng())]);
  return s;
}

std::string MakeWellFormedKey(std::string_view prefix) {
  std::string k = std::string(prefix) + RandomBase62(32);
  return k + EncodeBase62Fixed(Crc32(k), 6);
}

bool ChecksumValid(std::string_view key) {
  if (key.size() < 7) return false;
  auto head = key.substr(0, key.size() - 6);
  return EncodeBase62Fixed(Crc32(head), 6) == key.substr(key.size() - 6);
}

std::string FlipChar(std::string key, size_t index) {
  char c = key.at(index);
  auto pos = kBase62.find(c);
  key[index] = kBase62[(pos == std::string_view::npos ? 0 : pos + 1) % 62];
  return key;
}

}  // namespace keyward_it
