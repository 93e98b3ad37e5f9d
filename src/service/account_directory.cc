#include "service/account_directory.h"

namespace keyward {

AccountDirectory::AccountDirectory(Store& store, CreditMeter& credits,
                                   const ServiceSettings& settings)
    : store_(store), credits_(credits), settings_(settings) {}

std::shared_ptr<const AccountInfo> AccountDirectory::Make(const AccountRow& row) const {
  auto info = std::make_shared<AccountInfo>();
  info->id = row.id;
  info->plan = row.plan;
  info->per_key_limit = settings_.PlanLimit(row.plan);
  credits_.Load(row.id, row.credits);
  return info;
}

Result<std::shared_ptr<const AccountInfo>> AccountDirectory::Get(const std::string& account_id) {
  {
    ReaderLock lock(mu_);
    auto it = accounts_.find(account_id);
    if (it != accounts_.end()) return it->second;
  }
  auto row = store_.GetAccount(account_id);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return std::shared_ptr<const AccountInfo>();
  WriterLock lock(mu_);
  auto [it, inserted] = accounts_.try_emplace(account_id, Make(**row));
  return it->second;
}

std::shared_ptr<const AccountInfo> AccountDirectory::Update(const AccountRow& row) {
  auto info = Make(row);
  WriterLock lock(mu_);
  accounts_[row.id] = info;
  return info;
}

}  // namespace keyward
