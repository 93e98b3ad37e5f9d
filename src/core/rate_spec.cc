// "N/unit" rate limits. Strict: no whitespace, no sign, lowercase units.
#include "core/rate_spec.h"

#include <array>

namespace keyward {
namespace {

constexpr int64_t kMaxLimit = 1'000'000'000;

struct UnitSpelling {
  std::string_view name;
  int64_t seconds;
};

constexpr std::array<UnitSpelling, 10> kUnits = {{
    {"s", 1},
    {"sec", 1},
    {"second", 1},
    {"m", 60},
    {"min", 60},
    {"minute", 60},
    {"h", 3600},
    {"hour", 3600},
    {"d", 86400},
    {"day", 86400},
}};

Error Malformed(std::string_view text) {
  return InvalidRequest("rate limit \"" + std::string(text) +
                        "\" must look like N/s, N/min, N/hour or N/day with N in 1..1000000000");
}

}  // namespace

Result<RateSpec> ParseRateSpec(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return Malformed(text);
  const std::string_view count = text.substr(0, slash);
  const std::string_view unit = text.substr(slash + 1);

  int64_t limit = 0;
  for (char c : count) {
    if (c < '0' || c > '9') return Malformed(text);
    limit = limit * 10 + (c - '0');
    if (limit > kMaxLimit) return Malformed(text);  // stops before any overflow
  }
  if (limit < 1) return Malformed(text);

  for (const UnitSpelling& u : kUnits) {
    if (u.name == unit) return RateSpec{.limit = limit, .window_seconds = u.seconds};
  }
  return Malformed(text);
}

std::string FormatRateSpec(const RateSpec& spec) {
  std::string out = std::to_string(spec.limit) + "/";
  switch (spec.window_seconds) {
    case 1:
      return out + "s";
    case 60:
      return out + "min";
    case 3600:
      return out + "hour";
    case 86400:
      return out + "day";
    default:
      return out + std::to_string(spec.window_seconds) + "s";  // not a config spelling
  }
}

}  // namespace keyward
