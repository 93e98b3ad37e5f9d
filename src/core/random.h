// The OS CSPRNG (getrandom(2)). Thread-safe. Aborts the process if the kernel cannot supply
// randomness: a key service must never hand out predictable keys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace keyward {

void FillRandom(std::span<uint8_t> out);

// `n` characters drawn uniformly from [0-9A-Za-z] (rejection sampling, no modulo bias).
std::string RandomBase62(size_t n);

// `n` random bytes as 2n lowercase hex characters.
std::string RandomHex(size_t n);

}  // namespace keyward
