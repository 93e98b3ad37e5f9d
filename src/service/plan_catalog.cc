#include "service/plan_catalog.h"

#include <utility>

namespace keyward {

std::vector<PlanRow> PlanCatalog::ConfigPlans(const ServiceSettings& settings, int64_t now) {
  std::vector<PlanRow> plans;
  for (const auto& [name, spec] : settings.plans) {
    PlanRow row;
    row.name = name;
    row.rate_limit = FormatRateSpec(spec);
    if (auto it = settings.plan_account_limits.find(name);
        it != settings.plan_account_limits.end()) {
      row.account_rate_limit = FormatRateSpec(it->second);
    }
    if (auto it = settings.plan_extras.find(name); it != settings.plan_extras.end()) {
      row.refill = it->second.refill;
      row.low_credits_threshold = it->second.low_credits_threshold;
    }
    row.managed_by_config = true;
    row.created = now;
    plans.push_back(std::move(row));
  }
  return plans;
}

PlanCatalog::PlanCatalog(const ServiceSettings& settings) {
  for (PlanRow& row : ConfigPlans(settings, 0)) seed_.emplace(row.name, std::move(row));
  WriterLock lock(mu_);
  plans_ = seed_;
}

bool PlanCatalog::Replace(std::vector<PlanRow> plans, uint64_t read_at) {
  std::map<std::string, PlanRow, std::less<>> next = seed_;
  for (PlanRow& row : plans) next.insert_or_assign(row.name, std::move(row));
  WriterLock lock(mu_);
  if (generation_ != read_at) return false;
  bool changed = next.size() != plans_.size();
  for (auto a = next.begin(), b = plans_.begin(); !changed && a != next.end(); ++a, ++b) {
    changed = a->first != b->first || !a->second.SameTerms(b->second);
  }
  plans_ = std::move(next);
  return changed;
}

void PlanCatalog::Put(const PlanRow& plan) {
  WriterLock lock(mu_);
  plans_.insert_or_assign(plan.name, plan);
  ++generation_;
}

uint64_t PlanCatalog::generation() const {
  ReaderLock lock(mu_);
  return generation_;
}

const PlanRow* PlanCatalog::FindLocked(std::string_view name) const {
  auto it = plans_.find(name);
  return it == plans_.end() ? nullptr : &it->second;
}

std::optional<PlanRow> PlanCatalog::Find(std::string_view name) const {
  ReaderLock lock(mu_);
  const PlanRow* row = FindLocked(name);
  if (!row) return std::nullopt;
  return *row;
}

std::vector<PlanRow> PlanCatalog::All() const {
  ReaderLock lock(mu_);
  std::vector<PlanRow> all;
  all.reserve(plans_.size());
  for (const auto& [name, row] : plans_) all.push_back(row);
  return all;
}

RateSpec PlanCatalog::PerKeyLimit(std::string_view plan) const {
  ReaderLock lock(mu_);
  const PlanRow* row = FindLocked(plan);
  if (!row) row = FindLocked("default");
  if (row) {
    if (auto spec = ParseRateSpec(row->rate_limit); spec.ok()) return *spec;
  }
  return RateSpec{150, 60};
}

std::optional<RateSpec> PlanCatalog::AccountLimit(std::string_view plan) const {
  ReaderLock lock(mu_);
  const PlanRow* row = FindLocked(plan);
  if (!row || !row->account_rate_limit) return std::nullopt;
  auto spec = ParseRateSpec(*row->account_rate_limit);
  if (!spec.ok()) return std::nullopt;
  return *spec;
}

}  // namespace keyward
