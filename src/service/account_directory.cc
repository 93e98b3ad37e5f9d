#include "service/account_directory.h"

namespace keyward {

AccountDirectory::AccountDirectory(Store& store, CreditMeter& credits,
                                   const ServiceSettings& settings)
    : store_(store), credits_(credits), settings_(settings) {}

RateSpec AccountDirectory::PerKeyLimit(const AccountRow& row) const {
  if (row.rate_limit) {
    if (auto spec = ParseRateSpec(*row.rate_limit); spec.ok()) return *spec;
  }
  return settings_.PlanLimit(row.plan);
}

std::optional<RateSpec> AccountDirectory::AccountLimit(const AccountRow& row) const {
  if (row.account_rate_limit) {
    if (auto spec = ParseRateSpec(*row.account_rate_limit); spec.ok()) return *spec;
  }
  return settings_.PlanAccountLimit(row.plan);
}

void AccountDirectory::Apply(const AccountInfo& info, const AccountRow& row) const {
  info.Set(PerKeyLimit(row), AccountLimit(row), row.disabled_at.has_value());
}

Result<std::shared_ptr<const AccountInfo>> AccountDirectory::Get(const std::string& account_id) {
  {
    ReaderLock lock(mu_);
    auto it = accounts_.find(account_id);
    if (it != accounts_.end()) return std::shared_ptr<const AccountInfo>(it->second);
  }
  auto row = store_.GetAccount(account_id);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return std::shared_ptr<const AccountInfo>();
  credits_.Load((*row)->id, (*row)->credits);
  auto fresh = std::make_shared<AccountInfo>((*row)->id);
  Apply(*fresh, **row);
  WriterLock lock(mu_);
  auto [it, inserted] = accounts_.try_emplace(account_id, std::move(fresh));
  return std::shared_ptr<const AccountInfo>(it->second);
}

std::shared_ptr<const AccountInfo> AccountDirectory::Update(const AccountRow& row) {
  credits_.Load(row.id, row.credits);
  WriterLock lock(mu_);
  std::shared_ptr<AccountInfo>& slot = accounts_[row.id];
  if (!slot) slot = std::make_shared<AccountInfo>(row.id);
  Apply(*slot, row);
  return slot;
}

}  // namespace keyward
