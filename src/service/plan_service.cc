#include "service/plan_service.h"

#include <algorithm>
#include <set>

#include "core/rate_spec.h"
#include "core/refill.h"
#include "service/event_builder.h"

namespace keyward {
namespace {

Status CheckLimit(const std::optional<std::string>& text, const char* param) {
  if (!text) return Status::Ok();
  if (!ParseRateSpec(*text).ok()) {
    return InvalidRequest(std::string(param) + " must be a limit such as \"150/min\".", param);
  }
  return Status::Ok();
}

std::optional<std::string> Canonical(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return FormatRateSpec(*ParseRateSpec(*text));
}

}  // namespace

bool IsValidPlanName(std::string_view name) {
  if (name.empty() || name.size() > 40) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Status CheckRefill(const PlanRefill& refill, std::string_view param) {
  const std::string p(param);
  if (refill.amount < 0 || refill.amount > kMaxRefillAmount) {
    return InvalidRequest(p + ".amount must be a non-negative integer.", p + ".amount");
  }
  if (!ParseRefillInterval(refill.interval)) {
    return InvalidRequest(p + ".interval must be minute, hour, day or month.", p + ".interval");
  }
  if (!ParseRefillMode(refill.mode)) {
    return InvalidRequest(p + ".mode must be set or add.", p + ".mode");
  }
  return Status::Ok();
}

PlanService::PlanService(Store& store, PlanCatalog& catalog, AccountDirectory& directory,
                         const ServiceSettings& settings, const Clock& clock)
    : store_(store), catalog_(catalog), directory_(directory), settings_(settings), clock_(clock) {}

Status PlanService::CheckTerms(const PlanParams& p) const {
  if (p.set_rate_limit) {
    if (!p.rate_limit)
      return InvalidRequest("rate_limit must be a limit such as \"150/min\".", "rate_limit");
    if (Status st = CheckLimit(p.rate_limit, "rate_limit"); !st.ok()) return st;
  }
  if (p.set_account_rate_limit) {
    if (Status st = CheckLimit(p.account_rate_limit, "account_rate_limit"); !st.ok()) return st;
  }
  if (p.set_refill && p.refill) {
    if (Status st = CheckRefill(*p.refill, "refill"); !st.ok()) return st;
  }
  if (p.set_low_credits_threshold && p.low_credits_threshold &&
      (*p.low_credits_threshold < 0 || *p.low_credits_threshold > kMaxRefillAmount)) {
    return InvalidRequest("low_credits_threshold must be a non-negative integer or null.",
                          "low_credits_threshold");
  }
  return Status::Ok();
}

void PlanService::Applied(const PlanRow& row) {
  catalog_.Put(row);
  directory_.ReapplyPlans();
  if (notifier_) notifier_->AccountChanged();  // every node re-reads the plans
}

Result<std::vector<PlanRow>> PlanService::List() {
  return store_.ListPlans();
}

Result<PlanRow> PlanService::Get(std::string_view name) {
  if (!IsValidPlanName(name)) return Error(ErrorCode::kNotFound, "No such plan.");
  auto row = store_.GetPlan(name);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return Error(ErrorCode::kNotFound, "No such plan.");
  return std::move(**row);
}

Result<PlanRow> PlanService::Create(const Principal& who, const PlanParams& p) {
  if (!IsValidPlanName(p.name)) {
    return InvalidRequest("name must be 1 to 40 characters of a-z, 0-9, _ and -.", "name");
  }
  if (!p.set_rate_limit) return InvalidRequest("Missing required field: rate_limit.", "rate_limit");
  if (Status st = CheckTerms(p); !st.ok()) return st.error();
  if (notifier_) {
    if (Status st = notifier_->CheckWritable(); !st.ok()) return st.error();
  }
  PlanRow row;
  row.name = p.name;
  row.rate_limit = *Canonical(p.rate_limit);
  if (p.set_account_rate_limit) row.account_rate_limit = Canonical(p.account_rate_limit);
  if (p.set_refill) row.refill = p.refill;
  if (p.set_low_credits_threshold) row.low_credits_threshold = p.low_credits_threshold;
  row.created = clock_.NowUnix();
  if (Status st =
          store_.CreatePlan(row, PlanEvent("plan.created", who.actor, who.request_id, clock_));
      !st.ok()) {
    return st.error();
  }
  Applied(row);
  return row;
}

Result<PlanRow> PlanService::Update(const Principal& who, std::string_view name,
                                    const PlanParams& p) {
  auto current = Get(name);
  if (!current.ok()) return current.error();
  if (current->managed_by_config) {
    return InvalidRequest("The plan " + current->name +
                          " is managed by the configuration file ([plans." + current->name +
                          "]); change it there.");
  }
  if (Status st = CheckTerms(p); !st.ok()) return st.error();
  PlanRow row = *current;
  if (p.set_rate_limit) row.rate_limit = *Canonical(p.rate_limit);
  if (p.set_account_rate_limit) row.account_rate_limit = Canonical(p.account_rate_limit);
  if (p.set_refill) row.refill = p.refill;
  if (p.set_low_credits_threshold) row.low_credits_threshold = p.low_credits_threshold;
  if (row.SameTerms(*current)) return row;  // nothing changes: no write, no event
  if (notifier_) {
    if (Status st = notifier_->CheckWritable(); !st.ok()) return st.error();
  }
  auto written =
      store_.UpdatePlan(row, PlanEvent("plan.updated", who.actor, who.request_id, clock_));
  if (!written.ok()) return written.error();
  if (!written->has_value()) return Error(ErrorCode::kNotFound, "No such plan.");
  Applied(**written);
  return std::move(**written);
}

Status PlanService::ApplyConfigPlans() {
  const EventActor system = SystemActor();
  std::set<std::string> in_file;
  for (PlanRow& row : PlanCatalog::ConfigPlans(settings_, clock_.NowUnix())) {
    in_file.insert(row.name);
    auto stored = store_.GetPlan(row.name);
    if (!stored.ok()) return stored.error();
    if (!stored->has_value()) {
      Status st = store_.CreatePlan(row, PlanEvent("plan.created", system, {}, clock_));
      if (st.ok()) continue;
      if (st.error().code() != ErrorCode::kInvalidRequest) return st;
      stored = store_.GetPlan(row.name);  // another node created it meanwhile
      if (!stored.ok()) return stored.error();
      if (!stored->has_value()) return st;
    }
    const PlanRow& before = **stored;
    if (before.managed_by_config && before.SameTerms(row)) continue;
    row.created = before.created;
    auto written = store_.UpdatePlan(row, PlanEvent("plan.updated", system, {}, clock_));
    if (!written.ok()) return written.error();
  }
  auto all = store_.ListPlans();
  if (!all.ok()) return all.error();
  for (const PlanRow& stored : *all) {
    if (!stored.managed_by_config || in_file.contains(stored.name)) continue;
    PlanRow released = stored;
    released.managed_by_config = false;
    auto written = store_.UpdatePlan(released, PlanEvent("plan.updated", system, {}, clock_));
    if (!written.ok()) return written.error();
  }
  const uint64_t read_at = catalog_.generation();
  all = store_.ListPlans();
  if (!all.ok()) return all.error();
  if (catalog_.Replace(std::move(*all), read_at)) directory_.ReapplyPlans();
  return Status::Ok();
}

}  // namespace keyward
