// Plans as stored objects (API.md 11.2, 11.5): list, read, create and update — admin keys only
// (the checkpoint decides who); plans written in the configuration file are "managed_by":
// "config", applied to the store at every start (ApplyConfigPlans) and refused to the API (400
// with a sentence). Each write records plan.created / plan.updated in its transaction, updates
// this node's PlanCatalog and AccountDirectory, and is announced so that every other node applies
// it within a second (IndexSync re-reads the plans).
// Thread-safe. Errors: kInvalidRequest with param for bad input (nothing changed), kNotFound for
// an unknown plan, store errors (kUnavailable).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "service/account_directory.h"
#include "service/change_feed.h"
#include "service/plan_catalog.h"
#include "service/principal.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

// A create (every field) or a partial update (the fields marked set).
struct PlanParams {
  std::string name;  // create only
  bool set_rate_limit = false;
  std::optional<std::string> rate_limit;  // null refused: a plan always has a per-key limit
  bool set_account_rate_limit = false;
  std::optional<std::string> account_rate_limit;  // null: none
  bool set_refill = false;
  std::optional<PlanRefill> refill;  // null: none
  bool set_low_credits_threshold = false;
  std::optional<int64_t> low_credits_threshold;  // null: none
};

inline constexpr int64_t kMaxRefillAmount = 1'000'000'000'000'000;

// [a-z0-9_-]{1,40}
bool IsValidPlanName(std::string_view name);
// Checks a refill's terms; `param` prefixes the field names in the error ("refill").
Status CheckRefill(const PlanRefill& refill, std::string_view param);

class PlanService {
 public:
  PlanService(Store& store, PlanCatalog& catalog, AccountDirectory& directory,
              const ServiceSettings& settings, const Clock& clock);

  Result<std::vector<PlanRow>> List();  // newest first
  Result<PlanRow> Get(std::string_view name);
  Result<PlanRow> Create(const Principal& who, const PlanParams& params);
  Result<PlanRow> Update(const Principal& who, std::string_view name, const PlanParams& params);

  // At start: writes the configuration's plans to the store (created or updated, managed_by
  // "config", events by the system), hands stored plans the file no longer names back to the API
  // ("api"), and loads every stored plan into the catalog.
  Status ApplyConfigPlans();

  void set_notifier(ChangeNotifier* notifier) { notifier_ = notifier; }

 private:
  Status CheckTerms(const PlanParams& p) const;
  void Applied(const PlanRow& row);

  Store& store_;
  PlanCatalog& catalog_;
  AccountDirectory& directory_;
  const ServiceSettings& settings_;
  const Clock& clock_;
  ChangeNotifier* notifier_ = nullptr;
};

}  // namespace keyward
