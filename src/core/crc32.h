// CRC-32 (IEEE 802.3, the zlib/PNG polynomial, reflected, init and final xor 0xFFFFFFFF).
// Crc32("123456789") == 0xCBF43926. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace keyward {

uint32_t Crc32(std::string_view data);

}  // namespace keyward
