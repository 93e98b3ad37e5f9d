// A cache of the per-account facts the hot path needs (AccountInfo), filled from the Store on first
// use and updated in place when an account changes (plan, limit overrides, disable: API.md 11.3),
// so that every key record of the account sees the change at once. Accounts are few and change
// rarely: one reader-writer lock over the map; the facts themselves are atomics in AccountInfo.
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "core/mutex.h"
#include "core/status.h"
#include "limits/credit_meter.h"
#include "service/key_record.h"
#include "service/plan_catalog.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

class AccountDirectory {
 public:
  // Every account it learns of is loaded into `credits` with its stored balance.
  AccountDirectory(Store& store, CreditMeter& credits, const ServiceSettings& settings);

  // The account's info; nullptr when the account does not exist. Errors are store failures.
  Result<std::shared_ptr<const AccountInfo>> Get(const std::string& account_id);
  // Applies `row` (after a create, an update, or a change learnt from another node): the info
  // already shared by the account's records is updated in place.
  std::shared_ptr<const AccountInfo> Update(const AccountRow& row);

  // The per-key limit and the per-account limit (nullopt: none) that apply to `row`: its
  // overrides, else its plan's.
  RateSpec PerKeyLimit(const AccountRow& row) const;
  std::optional<RateSpec> AccountLimit(const AccountRow& row) const;

  // Plans as stored objects (API.md 11.2): with a catalog, plans' limits come from it (else from
  // the settings). Set once, before use.
  void set_plans(PlanCatalog* plans) { plans_ = plans; }
  // After the catalog changed: every known account's limits are computed again.
  void ReapplyPlans();
  // Whether plan `name` exists: in the catalog, else in the store (a plan another node made a
  // moment ago; then added to the catalog), else in the settings when there is no catalog.
  // Errors are store failures.
  Result<bool> KnowsPlan(std::string_view name);

 private:
  // What the limits of an account are computed from.
  struct Terms {
    std::string plan;
    std::optional<std::string> rate_limit;
    std::optional<std::string> account_rate_limit;
    bool disabled = false;
  };
  struct Entry {
    std::shared_ptr<AccountInfo> info;
    Terms terms;
  };
  static Terms TermsOf(const AccountRow& row);
  RateSpec PerKeyLimit(const Terms& t) const;
  std::optional<RateSpec> AccountLimit(const Terms& t) const;
  void Apply(const AccountInfo& info, const Terms& terms) const;

  Store& store_;
  CreditMeter& credits_;
  const ServiceSettings& settings_;
  mutable SharedMutex mu_;
  PlanCatalog* plans_ = nullptr;
  std::unordered_map<std::string, Entry> accounts_ GUARDED_BY(mu_);
};

}  // namespace keyward
