// ISO-8601 UTC timestamps as the access-token endpoints use them: "2024-01-15T11:30:00Z".
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keyward {

std::string FormatIsoUtc(int64_t unix_seconds);
std::optional<int64_t> ParseIsoUtc(std::string_view text);  // only the exact form above

}  // namespace keyward
