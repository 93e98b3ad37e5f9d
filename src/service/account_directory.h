// A cache of the per-account facts the hot path needs (AccountInfo), filled from the Store on first
// use and updated when an account changes. Accounts are few and change rarely: one reader-writer
// lock. Thread-safe.
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
  // Publishes fresh info built from `row` (after a create or a plan change).
  std::shared_ptr<const AccountInfo> Update(const AccountRow& row);

 private:
  std::shared_ptr<const AccountInfo> Make(const AccountRow& row) const;

  Store& store_;
  CreditMeter& credits_;
  const ServiceSettings& settings_;
  mutable SharedMutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const AccountInfo>> accounts_ GUARDED_BY(mu_);
};

}  // namespace keyward
