#include "service/usage_service.h"

#include <algorithm>
#include <array>
#include <utility>

namespace keyward {
namespace {

int64_t FloorTo(int64_t t, int64_t g) {
  return t - ((t % g) + g) % g;
}

int64_t CeilTo(int64_t t, int64_t g) {
  const int64_t down = FloorTo(t, g);
  return down == t ? t : down + g;
}

Error NoSuchToken() {
  return Error(ErrorCode::kNotFound, "No such token.", "token");
}

Error NoSuchAccount() {
  return Error(ErrorCode::kNotFound, "No such account.", "account");
}

}  // namespace

UsageService::UsageService(Store& store, const UsageSettings& settings, const Clock& clock)
    : store_(store), settings_(settings), clock_(clock) {}

Result<std::string> UsageService::OwnerFor(const Principal& who, const UsageQuery& q) {
  // The account the caller is confined to ("" = any: an admin key).
  const std::string confined = who.is_admin() ? std::string() : who.account_id;
  // The account the query is about: its `account`, else the admin's Keyward-Account.
  std::string account = q.account;
  if (account.empty() && who.is_admin()) account = who.account_id;
  if (!account.empty()) {
    if (!confined.empty() && account != confined) return NoSuchAccount();
    if (confined.empty()) {
      auto row = store_.GetAccount(account);
      if (!row.ok()) return row.error();
      if (!row->has_value()) return NoSuchAccount();
    }
  }
  if (!q.token.empty()) {
    auto token = store_.FindTokenById(q.token);
    if (!token.ok()) return token.error();
    if (!token->has_value()) return NoSuchToken();
    const std::string& owner = (*token)->account_id;
    if ((!confined.empty() && owner != confined) || (!account.empty() && owner != account)) {
      return NoSuchToken();
    }
    return q.token;
  }
  if (!account.empty()) return account;
  if (!confined.empty()) return confined;
  return std::string("*");
}

Result<UsageSeries> UsageService::Read(const Principal& who, const UsageQuery& q) {
  const int64_t g = q.granularity;
  if (g != 60 && g != 3600 && g != 86400) {
    return InvalidRequest("granularity must be minute, hour or day.", "granularity");
  }
  if (q.from && *q.from < 0) return InvalidRequest("from must not be negative.", "from");
  if (q.to && *q.to < 0) return InvalidRequest("to must not be negative.", "to");
  const int64_t to_raw = q.to.value_or(clock_.NowUnix());
  const int64_t from_raw = q.from.value_or(to_raw - 86400);
  if (from_raw > to_raw) return InvalidRequest("from must not be after to.", "from");
  UsageSeries series;
  series.granularity = g;
  series.from = FloorTo(std::max<int64_t>(from_raw, 0), g);
  series.to = CeilTo(to_raw, g);
  const int64_t buckets = (series.to - series.from) / g;
  if (buckets > kMaxBuckets) {
    return InvalidRequest("The range holds " + std::to_string(buckets) + " buckets; at most " +
                              std::to_string(kMaxBuckets) +
                              " are answered: narrow it or choose a coarser granularity.",
                          "from");
  }
  auto owner = OwnerFor(who, q);
  if (!owner.ok()) return owner.error();
  auto rows = store_.ReadUsage(*owner, g, series.from, series.to);
  if (!rows.ok()) return rows.error();
  series.data.reserve(static_cast<size_t>(buckets));
  size_t next = 0;
  for (int64_t start = series.from; start < series.to; start += g) {
    UsageRow bucket;
    bucket.granularity = g;
    bucket.start = start;
    while (next < rows->size() && (*rows)[next].start < start) ++next;  // never: rows are aligned
    if (next < rows->size() && (*rows)[next].start == start) bucket.counts = (*rows)[next].counts;
    series.data.push_back(std::move(bucket));
  }
  return series;
}

Result<int64_t> UsageService::PurgeExpired() {
  const int64_t now = clock_.NowUnix();
  const std::array<std::pair<int64_t, int64_t>, 3> kept = {
      std::pair{int64_t{60}, settings_.minute_retention_seconds},
      std::pair{int64_t{3600}, settings_.hour_retention_seconds},
      std::pair{int64_t{86400}, settings_.day_retention_seconds}};
  int64_t purged = 0;
  for (const auto& [granularity, retention] : kept) {
    // A bucket goes once all of it is older than the retention.
    auto n = store_.PurgeUsage(granularity, now - retention - granularity + 1);
    if (!n.ok()) return n.error();
    purged += *n;
  }
  return purged;
}

}  // namespace keyward
