#include "service/account_directory.h"

namespace keyward {

AccountDirectory::AccountDirectory(Store& store, CreditMeter& credits,
                                   const ServiceSettings& settings)
    : store_(store), credits_(credits), settings_(settings) {}

AccountDirectory::Terms AccountDirectory::TermsOf(const AccountRow& row) {
  return Terms{row.plan, row.rate_limit, row.account_rate_limit, row.disabled_at.has_value()};
}

RateSpec AccountDirectory::PerKeyLimit(const Terms& t) const {
  if (t.rate_limit) {
    if (auto spec = ParseRateSpec(*t.rate_limit); spec.ok()) return *spec;
  }
  return plans_ ? plans_->PerKeyLimit(t.plan) : settings_.PlanLimit(t.plan);
}

std::optional<RateSpec> AccountDirectory::AccountLimit(const Terms& t) const {
  if (t.account_rate_limit) {
    if (auto spec = ParseRateSpec(*t.account_rate_limit); spec.ok()) return *spec;
  }
  return plans_ ? plans_->AccountLimit(t.plan) : settings_.PlanAccountLimit(t.plan);
}

RateSpec AccountDirectory::PerKeyLimit(const AccountRow& row) const {
  return PerKeyLimit(TermsOf(row));
}

std::optional<RateSpec> AccountDirectory::AccountLimit(const AccountRow& row) const {
  return AccountLimit(TermsOf(row));
}

void AccountDirectory::Apply(const AccountInfo& info, const Terms& terms) const {
  info.Set(PerKeyLimit(terms), AccountLimit(terms), terms.disabled);
}

Result<std::shared_ptr<const AccountInfo>> AccountDirectory::Get(const std::string& account_id) {
  {
    ReaderLock lock(mu_);
    auto it = accounts_.find(account_id);
    if (it != accounts_.end()) return std::shared_ptr<const AccountInfo>(it->second.info);
  }
  auto row = store_.GetAccount(account_id);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return std::shared_ptr<const AccountInfo>();
  credits_.Load((*row)->id, (*row)->credits);
  auto fresh = std::make_shared<AccountInfo>((*row)->id);
  Terms terms = TermsOf(**row);
  Apply(*fresh, terms);
  WriterLock lock(mu_);
  auto [it, inserted] =
      accounts_.try_emplace(account_id, Entry{std::move(fresh), std::move(terms)});
  return std::shared_ptr<const AccountInfo>(it->second.info);
}

std::shared_ptr<const AccountInfo> AccountDirectory::Update(const AccountRow& row) {
  credits_.Load(row.id, row.credits);
  WriterLock lock(mu_);
  Entry& slot = accounts_[row.id];
  if (!slot.info) slot.info = std::make_shared<AccountInfo>(row.id);
  slot.terms = TermsOf(row);
  Apply(*slot.info, slot.terms);
  return slot.info;
}

void AccountDirectory::ReapplyPlans() {
  ReaderLock lock(mu_);  // the infos change through their atomics
  for (const auto& [id, entry] : accounts_) Apply(*entry.info, entry.terms);
}

Result<bool> AccountDirectory::KnowsPlan(std::string_view name) {
  if (!plans_) return settings_.plans.contains(std::string(name));
  if (plans_->Find(name)) return true;
  auto stored = store_.GetPlan(name);
  if (!stored.ok()) return stored.error();
  if (!stored->has_value()) return false;
  plans_->Put(**stored);
  return true;
}

}  // namespace keyward
