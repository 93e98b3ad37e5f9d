// SqlStore: plans (API.md 11.2; store/plan.h) and credit refills — each period claimed by one
// conditional UPDATE of the account's last refilled period, so that exactly one node (and one
// start) refills it — and the marks of the crossing events, claimed by a conditional upsert.
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

// A duplicate name inserts nothing (0 rows changed), on both engines.
const Statement kInsertPlan("INSERT INTO plans (" KEYWARD_PLAN_COLUMNS
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                            " ON CONFLICT (name) DO NOTHING");
const Statement kSelectPlan("SELECT " KEYWARD_PLAN_COLUMNS " FROM plans WHERE name = $1");
const Statement kListPlans("SELECT " KEYWARD_PLAN_COLUMNS
                           " FROM plans ORDER BY created DESC, name ASC");
const Statement kUpdatePlan(
    "UPDATE plans SET rate_limit = $2, account_rate_limit = $3, refill_amount = $4,"
    " refill_interval = $5, refill_mode = $6, low_credits_threshold = $7, managed_by = $8"
    " WHERE name = $1 RETURNING " KEYWARD_PLAN_COLUMNS);
const Statement kRefilledAccount("SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE id = $1");
// $1 plan, $2 period, $3 period start, $4 limit.
const Statement kAccountsDueRefill(
    "SELECT id FROM accounts WHERE plan = $1"
    " AND (last_refill_period IS NULL OR last_refill_period < $2) AND created < $3"
    " ORDER BY id LIMIT $4");
// The claim: one node, once per period. On PostgreSQL it also locks the row until the end of the
// transaction.
const Statement kClaimRefill(
    "UPDATE accounts SET last_refill_period = $2"
    " WHERE id = $1 AND (last_refill_period IS NULL OR last_refill_period < $2)");
const Statement kSetCredits(
    "UPDATE accounts SET credits = CASE WHEN credits IS NULL THEN NULL ELSE CAST($2 AS BIGINT) END"
    " WHERE id = $1 RETURNING " KEYWARD_ACCOUNT_COLUMNS);

// $1 subject, $2 kind, $3 period: inserted, or moved up; 0 rows changed when already there.
const Statement kClaimMark(
    "INSERT INTO event_marks (subject, kind, period) VALUES ($1, $2, $3)"
    " ON CONFLICT (subject, kind) DO UPDATE SET period = excluded.period"
    " WHERE event_marks.period < excluded.period");
const Statement kClearMark("DELETE FROM event_marks WHERE subject = $1 AND kind = $2");

}  // namespace

Status SqlStore::CreatePlan(const PlanRow& plan, const EventFor<PlanRow>& event) {
  Params params;
  sql::AddParams(plan, &params);
  return driver_->Transaction([&](Session& session) -> Status {
    Result<int64_t> ran = session.Run(kInsertPlan, params);
    if (!ran.ok()) return ran.error();
    if (*ran == 0) return InvalidRequest("A plan with this name already exists.", "name");
    return RecordEvent<PlanRow>(session, event, nullptr, plan);
  });
}

Result<std::optional<PlanRow>> SqlStore::GetPlan(std::string_view name) {
  return ReadOne<PlanRow>(kSelectPlan, Params().Add(name));
}

Result<std::vector<PlanRow>> SqlStore::ListPlans() {
  return Run<std::vector<PlanRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<std::vector<PlanRow>> {
        std::vector<PlanRow> plans;
        Result<int64_t> ran = session.Run(kListPlans, {}, [&](const sql::Row& row) -> Status {
          PlanRow plan;
          if (Status s = sql::Decode(row, &plan); !s.ok()) return s;
          plans.push_back(std::move(plan));
          return Status::Ok();
        });
        if (!ran.ok()) return ran.error();
        return plans;
      });
}

Result<std::optional<PlanRow>> SqlStore::UpdatePlan(const PlanRow& plan,
                                                    const EventFor<PlanRow>& event) {
  Params params;  // KEYWARD_PLAN_COLUMNS but `created`, which an update keeps
  params.Add(plan.name).Add(plan.rate_limit).Add(plan.account_rate_limit);
  if (plan.refill) {
    params.Add(plan.refill->amount).Add(plan.refill->interval).Add(plan.refill->mode);
  } else {
    params.AddNull().AddNull().AddNull();
  }
  params.Add(plan.low_credits_threshold).Add(plan.managed_by_config ? "config" : "api");
  return Run<std::optional<PlanRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<PlanRow>> {
        Result<std::optional<PlanRow>> before =
            sql::QueryOne<PlanRow>(session, kSelectPlan, Params().Add(plan.name));
        if (!before.ok() || !*before) return before;
        Result<std::optional<PlanRow>> after = sql::QueryOne<PlanRow>(session, kUpdatePlan, params);
        if (!after.ok() || !*after) return after;
        if (Status s = RecordEvent<PlanRow>(session, event, &**before, **after); !s.ok()) {
          return s.error();
        }
        return after;
      });
}

Result<std::vector<std::string>> SqlStore::AccountsDueRefill(std::string_view plan, int64_t period,
                                                             int64_t period_start, size_t limit) {
  return Run<std::vector<std::string>>(
      &sql::Driver::Read, [&](Session& session) -> Result<std::vector<std::string>> {
        std::vector<std::string> ids;
        Params params;
        params.Add(plan).Add(period).Add(period_start).Add(static_cast<int64_t>(limit));
        Result<int64_t> ran =
            session.Run(kAccountsDueRefill, params, [&](const sql::Row& row) -> Status {
              ids.push_back(row.Text(0));
              return Status::Ok();
            });
        if (!ran.ok()) return ran.error();
        return ids;
      });
}

Result<std::optional<Store::Refilled>> SqlStore::RefillAccount(std::string_view id, int64_t period,
                                                               std::optional<int64_t> set_to,
                                                               int64_t add,
                                                               const EventFor<AccountRow>& event) {
  return Run<std::optional<Refilled>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<Refilled>> {
        Result<int64_t> claimed = session.Run(kClaimRefill, Params().Add(id).Add(period));
        if (!claimed.ok()) return claimed.error();
        if (*claimed == 0) return std::optional<Refilled>();  // done already, or no account
        Result<std::optional<AccountRow>> before =
            sql::QueryOne<AccountRow>(session, kRefilledAccount, Params().Add(id));
        if (!before.ok()) return before.error();
        if (!*before) return std::optional<Refilled>();
        Result<std::optional<AccountRow>> after =
            set_to ? sql::QueryOne<AccountRow>(session, kSetCredits, Params().Add(id).Add(*set_to))
                   : sql::QueryOne<AccountRow>(session, dialect_.add_credits,
                                               Params().Add(id).Add(add));
        if (!after.ok()) return after.error();
        if (!*after) return std::optional<Refilled>();
        if ((*before)->credits) {  // an unlimited balance changed nothing: no event
          if (Status s = RecordEvent<AccountRow>(session, event, &**before, **after); !s.ok()) {
            return s.error();
          }
        }
        return std::optional<Refilled>(Refilled{std::move(**before), std::move(**after)});
      });
}

Result<bool> SqlStore::ClaimEventMark(std::string_view subject, std::string_view kind,
                                      int64_t period, const EventRow& event) {
  return Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
    Result<int64_t> claimed = session.Run(kClaimMark, Params().Add(subject).Add(kind).Add(period));
    if (!claimed.ok()) return claimed.error();
    if (*claimed == 0) return false;
    if (Status s = InsertEvent(session, event); !s.ok()) return s.error();
    return true;
  });
}

Status SqlStore::ClearEventMark(std::string_view subject, std::string_view kind) {
  Result<int64_t> n = Change(kClearMark, Params().Add(subject).Add(kind));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

}  // namespace keyward
