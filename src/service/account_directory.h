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

 private:
  void Apply(const AccountInfo& info, const AccountRow& row) const;

  Store& store_;
  CreditMeter& credits_;
  const ServiceSettings& settings_;
  mutable SharedMutex mu_;
  std::unordered_map<std::string, std::shared_ptr<AccountInfo>> accounts_ GUARDED_BY(mu_);
};

}  // namespace keyward
