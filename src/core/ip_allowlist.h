// Per-key IP allowlists (API.md 11.1, 11.5): up to 100 IPv4/IPv6 CIDRs. Entries are normalised
// for storage — a bare address becomes /32 or /128, the address is written canonically
// (inet_ntop), duplicates are dropped, the order kept — and a CIDR with host bits set (e.g.
// "10.0.0.1/8") is refused rather than silently widened or narrowed.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "core/status.h"

namespace keyward {

inline constexpr size_t kMaxAllowlistEntries = 100;

// One entry in canonical form, or kInvalidRequest (param `param`) saying what is wrong with it.
Result<std::string> NormalizeCidr(std::string_view text, std::string_view param = "ip_allowlist");
// Every entry normalised (see above); more than 100 entries → kInvalidRequest.
Result<std::vector<std::string>> NormalizeAllowlist(const std::vector<std::string>& entries,
                                                    std::string_view param = "ip_allowlist");
// The ranges of stored (normalised) entries; an entry that does not parse is skipped.
std::vector<Cidr> ParseAllowlist(const std::vector<std::string>& entries);

}  // namespace keyward
