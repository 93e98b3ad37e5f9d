// Object ids: "<kind>_" + 24 base62 characters from the OS CSPRNG (API.md 1), e.g. tok_...,
// acct_... Pure apart from the CSPRNG; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace keyward {

inline constexpr size_t kIdRandomChars = 24;
inline constexpr std::string_view kTokenIdPrefix = "tok";
inline constexpr std::string_view kAccountIdPrefix = "acct";
inline constexpr std::string_view kRequestIdPrefix = "req";
inline constexpr std::string_view kEventIdPrefix = "evt";
inline constexpr std::string_view kAdminKeyIdPrefix = "adm";
inline constexpr std::string_view kOperatorIdPrefix = "op";

std::string NewId(std::string_view kind);  // NewId("tok") → "tok_<24 base62>"

// True when `id` is exactly kind + "_" + 24 base62 characters.
bool IsValidId(std::string_view id, std::string_view kind);

}  // namespace keyward
