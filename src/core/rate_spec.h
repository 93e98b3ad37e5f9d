// Rate limits as written in the config: "N/s", "N/min", "N/hour", "N/day" (also "N/sec",
// "N/second", "N/m", "N/minute", "N/h", "N/d"), N in 1..1e9. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace keyward {

struct RateSpec {
  int64_t limit = 0;           // requests per window; also the burst allowed at once
  int64_t window_seconds = 0;  // 1, 60, 3600 or 86400
  bool operator==(const RateSpec&) const = default;
};

Result<RateSpec> ParseRateSpec(std::string_view text);
std::string FormatRateSpec(const RateSpec& spec);  // canonical: "150/min"

}  // namespace keyward
