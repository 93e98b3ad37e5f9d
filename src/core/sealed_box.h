// Secrets at rest that must be read back (webhook signing secrets, API.md 14): AES-256-GCM with a
// 32-byte key and a random 96-bit nonce per seal, authenticated, in a text form for a TEXT column:
// "v1:" + hex(nonce ‖ ciphertext ‖ tag). Pure apart from the CSPRNG; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keyward {

inline constexpr size_t kSealKeyBytes = 32;

// nullopt when `key` is not 32 bytes.
std::optional<std::string> Seal(std::string_view key, std::string_view plaintext);
// nullopt when `sealed` is malformed, was sealed under another key, or was tampered with.
std::optional<std::string> Unseal(std::string_view key, std::string_view sealed);

}  // namespace keyward
