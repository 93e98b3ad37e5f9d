// HMAC-SHA256 (OpenSSL) for webhook signatures (API.md 14). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace keyward {

// Lower-case hex of HMAC-SHA256(key, message).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

}  // namespace keyward
