// This node's view of the plans (API.md 11.2): name → PlanRow, seeded with the configuration's
// plans and replaced from the store at start and on every resync (IndexSync), so that a plan
// created or changed on any node applies here within a second. Read off the request path (the
// AccountDirectory turns a plan into the atomics of AccountInfo), so one reader-writer lock.
// Thread-safe. Never fails: an unknown plan falls back to "default", and "default" to 150/min.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/rate_spec.h"
#include "service/settings.h"
#include "store/plan.h"

namespace keyward {

class PlanCatalog {
 public:
  explicit PlanCatalog(const ServiceSettings& settings);

  // The plans written in the configuration ([plans.NAME]), managed_by "config", created `now`.
  static std::vector<PlanRow> ConfigPlans(const ServiceSettings& settings, int64_t now);

  // Takes the store's plans (the configuration's seed stays for names the store lacks); true
  // when any plan's terms changed. `read_at` is generation() taken before the store was read:
  // when a local write (Put) came since, the read may predate it and is dropped (false) — the
  // next resync reads a store that has it.
  bool Replace(std::vector<PlanRow> plans, uint64_t read_at);
  // After a local write.
  void Put(const PlanRow& plan);
  uint64_t generation() const;

  std::optional<PlanRow> Find(std::string_view name) const;
  std::vector<PlanRow> All() const;  // by name
  // The per-key limit of `plan` (unknown: the default plan's).
  RateSpec PerKeyLimit(std::string_view plan) const;
  // The per-account limit of `plan`, or nullopt.
  std::optional<RateSpec> AccountLimit(std::string_view plan) const;

 private:
  const PlanRow* FindLocked(std::string_view name) const REQUIRES_SHARED(mu_);

  std::map<std::string, PlanRow, std::less<>> seed_;  // immutable after construction
  mutable SharedMutex mu_;
  std::map<std::string, PlanRow, std::less<>> plans_ GUARDED_BY(mu_);
  uint64_t generation_ GUARDED_BY(mu_) = 0;  // local writes so far
};

}  // namespace keyward
