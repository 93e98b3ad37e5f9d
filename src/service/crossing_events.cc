#include "service/crossing_events.h"

#include <spdlog/spdlog.h>

#include "service/event_builder.h"
#include "service/objects.h"

namespace keyward {
namespace {

constexpr std::string_view kLow = "credits.low";
constexpr std::string_view kExhausted = "credits.exhausted";
constexpr std::string_view kRateLimited = "ratelimit.exceeded";

void Warn(const Status& st, std::string_view what) {
  if (!st.ok())
    spdlog::warn("{} failed (looked at again on the next flush): {}", what, st.error().ForLog());
}

}  // namespace

CrossingEvents::CrossingEvents(Store& store, const PlanCatalog& plans, const Clock& clock)
    : store_(store), plans_(plans), clock_(clock) {}

void CrossingEvents::Check(const AccountRow& row, bool charged) {
  if (!row.credits) return;  // unlimited: nothing to cross
  const int64_t balance = *row.credits;
  auto claim = [&](std::string_view kind) {
    EventRow event = NewEvent(kind, SystemActor(), {}, row.id, true, clock_.NowUnix(),
                              EventData(AccountObject(row), nullptr));
    auto claimed = store_.ClaimEventMark(row.id, kind, 1, event);
    if (!claimed.ok()) Warn(claimed.error(), kind);
  };
  std::optional<int64_t> threshold;
  if (auto plan = plans_.Find(row.plan)) threshold = plan->low_credits_threshold;
  if (threshold) {
    if (balance < *threshold) {
      if (charged) claim(kLow);
    } else {
      Warn(store_.ClearEventMark(row.id, kLow), "re-arming credits.low");
    }
  }
  if (balance <= 0) {
    if (charged) claim(kExhausted);
  } else {
    Warn(store_.ClearEventMark(row.id, kExhausted), "re-arming credits.exhausted");
  }
}

void CrossingEvents::CreditsFlushed(const std::vector<AccountUsage>& charged) {
  for (const AccountUsage& usage : charged) {
    if (usage.used <= 0) continue;
    auto row = store_.GetAccount(usage.account_id);
    if (!row.ok()) {
      Warn(row.error(), "credit crossing events");
      continue;
    }
    if (row->has_value()) Check(**row, /*charged=*/true);
  }
}

void CrossingEvents::BalanceSet(const AccountRow& row) {
  Check(row, /*charged=*/false);
}

void CrossingEvents::RateLimitedFlushed(const std::vector<RateLimited>& limited) {
  const int64_t now = clock_.NowUnix();
  for (const RateLimited& r : limited) {
    auto token = store_.FindTokenById(r.token_id);
    if (!token.ok()) {
      Warn(token.error(), "ratelimit.exceeded");
      continue;
    }
    if (!token->has_value()) continue;
    const TokenRow& row = **token;
    EventRow event = NewEvent(kRateLimited, SystemActor(), {}, row.account_id, row.livemode, now,
                              EventData(TokenObject(row, now), nullptr));
    auto claimed = store_.ClaimEventMark(r.token_id, kRateLimited, r.minute_start / 60, event);
    if (!claimed.ok()) Warn(claimed.error(), kRateLimited);
  }
}

}  // namespace keyward
