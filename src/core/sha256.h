// SHA-256 of credentials, as stored at rest. Uses an EVP_MD fetched once and a reused per-thread
// context (OpenSSL 3 looks the algorithm up on every EVP_Digest call otherwise).
// Thread-safe: each thread has its own context.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyward {

using Digest = std::array<uint8_t, 32>;

Digest Sha256(std::string_view data);

std::string DigestHex(const Digest& d);                  // 64 lowercase hex chars
bool DigestFromHex(std::string_view hex, Digest* out);   // false unless exactly 64 hex chars

// Hash functor for unordered containers keyed by Digest (a digest is already uniform).
struct DigestHash {
  size_t operator()(const Digest& d) const noexcept;
};

// Compares two byte strings in time independent of where they differ (CRYPTO_memcmp).
// Different lengths compare unequal (length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace keyward
