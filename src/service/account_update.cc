// AccountService: partial update, disable and enable of accounts (API.md 11.3, 11.5). As for
// tokens, a change is a read, a check against the row as it is, and a write that lands only if
// the row did not move in between (Store::UpdateAccount); then the AccountDirectory applies it
// in place (every key of the account sees it at once) and the other nodes are told.
#include "core/ids.h"
#include "core/rate_spec.h"
#include "service/account_service.h"
#include "service/event_builder.h"
#include "service/objects.h"

namespace keyward {
namespace {

constexpr int kChangeAttempts = 5;

Error AccountNotFound() {
  return Error(ErrorCode::kNotFound, "No such account.");
}

// A limit override: a limit string (API.md 4) or null.
Status CheckLimit(const std::optional<std::string>& limit, const char* param) {
  if (!limit) return Status::Ok();
  if (!ParseRateSpec(*limit).ok()) {
    return InvalidRequest(std::string(param) + " must be a limit such as \"100/min\", or null.",
                          param);
  }
  return Status::Ok();
}

}  // namespace

Result<AccountRow> AccountService::Change(const Principal& who, std::string_view id,
                                          std::string_view event_type,
                                          const std::function<Status(AccountRow&)>& change) {
  if (!IsValidId(id, kAccountIdPrefix)) return AccountNotFound();
  for (int attempt = 0; attempt < kChangeAttempts; ++attempt) {
    auto current = store_.GetAccount(id);
    if (!current.ok()) return current.error();
    if (!current->has_value()) return AccountNotFound();
    AccountRow next = **current;
    if (Status st = change(next); !st.ok()) return st.error();
    // Nothing the API shows changes: no write, no event.
    if (AccountObject(next) == AccountObject(**current))
      return WithLiveCredits(std::move(**current));
    if (notifier_) {
      if (Status st = notifier_->CheckWritable(); !st.ok()) return st.error();
    }
    auto written = store_.UpdateAccount(next, AccountEvent(event_type, who, clock_));
    if (!written.ok()) return written.error();
    if (!written->has_value()) continue;  // changed meanwhile: read again
    directory_.Update(**written);
    if (notifier_) notifier_->AccountChanged();
    return WithLiveCredits(std::move(**written));
  }
  return Error(ErrorCode::kUnavailable, "The account is being changed concurrently; try again.");
}

Result<AccountRow> AccountService::Update(const Principal& who, std::string_view id,
                                          const UpdateAccountParams& p) {
  if (p.name && p.name->size() > kMaxAccountNameLength) {
    return InvalidRequest("name must be at most 100 characters.", "name");
  }
  if (p.email && !LooksLikeEmail(*p.email)) {
    return InvalidRequest("email must be an email address.", "email");
  }
  if (p.plan) {
    auto known = directory_.KnowsPlan(*p.plan);
    if (!known.ok()) return known.error();
    if (!*known) return InvalidRequest("plan must name an existing plan.", "plan");
  }
  if (p.set_rate_limit) {
    if (Status st = CheckLimit(p.rate_limit, "rate_limit"); !st.ok()) return st.error();
  }
  if (p.set_account_rate_limit) {
    if (Status st = CheckLimit(p.account_rate_limit, "account_rate_limit"); !st.ok()) {
      return st.error();
    }
  }
  return Change(who, id, "account.updated", [&](AccountRow& row) -> Status {
    if (p.name) row.name = *p.name;
    if (p.email) row.email = *p.email;
    if (p.plan) row.plan = *p.plan;
    if (p.clear_metadata || !p.metadata.empty()) {
      auto merged = MergeMetadata(p.clear_metadata ? Metadata{} : row.metadata, p.metadata);
      if (!merged.ok()) return merged.error();
      row.metadata = std::move(*merged);
    }
    if (p.set_rate_limit) {
      row.rate_limit =
          p.rate_limit ? std::optional<std::string>(FormatRateSpec(*ParseRateSpec(*p.rate_limit)))
                       : std::nullopt;
    }
    if (p.set_account_rate_limit) {
      row.account_rate_limit =
          p.account_rate_limit
              ? std::optional<std::string>(FormatRateSpec(*ParseRateSpec(*p.account_rate_limit)))
              : std::nullopt;
    }
    return Status::Ok();
  });
}

Result<AccountRow> AccountService::SetDisabled(const Principal& who, std::string_view id,
                                               bool disabled) {
  const int64_t now = clock_.NowUnix();
  auto changed = Change(who, id, disabled ? "account.disabled" : "account.enabled",
                        [&](AccountRow& row) -> Status {
                          if (row.disabled_at.has_value() != disabled) {
                            row.disabled_at = disabled ? std::optional<int64_t>(now) : std::nullopt;
                          }
                          return Status::Ok();
                        });
  if (!changed.ok()) return changed;
  // Its dashboard sessions end, and stay ended (enabling does not bring them back).
  if (disabled) {
    if (Status st = store_.DeleteAccountSessions(changed->id); !st.ok()) return st.error();
  }
  return changed;
}

}  // namespace keyward
