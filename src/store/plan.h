// Plans (API.md 11.2): what an account pays for — its per-key limit, an optional limit shared by
// all of the account's keys, an optional credit refill and a low-credits threshold — and the
// per-account marks that make refills and credit crossings happen once across nodes. Plain values
// shared by the Store and the service layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace keyward {

// A credit refill: at the start of every `interval` ("minute", "hour", "day", "month"; UTC) the
// balance is set to `amount` (mode "set") or increased by it ("add") — core/refill.h.
struct PlanRefill {
  int64_t amount = 0;
  std::string interval;
  std::string mode;

  bool operator==(const PlanRefill&) const = default;
};

struct PlanRow {
  std::string name;                               // [a-z0-9_-]{1,40}; the plan's identifier
  std::string rate_limit;                         // per key, canonical ("150/min")
  std::optional<std::string> account_rate_limit;  // one budget over an account's keys
  std::optional<PlanRefill> refill;
  std::optional<int64_t> low_credits_threshold;
  bool managed_by_config = false;  // "managed_by": "config" (else "api")
  int64_t created = 0;             // Unix seconds

  // The fields the API can change (everything but name, managed_by and created).
  bool SameTerms(const PlanRow& o) const {
    return rate_limit == o.rate_limit && account_rate_limit == o.account_rate_limit &&
           refill == o.refill && low_credits_threshold == o.low_credits_threshold;
  }
};

}  // namespace keyward
