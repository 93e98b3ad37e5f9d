// SqlStore: usage counts (API.md 12), one row per (owner, granularity, start) in usage_counts
// (migration 8). Written by adding deltas (INSERT ... ON CONFLICT DO UPDATE, the same text on
// SQLite and PostgreSQL), many rows per statement to save PostgreSQL round trips.
#include <algorithm>
#include <string>
#include <tuple>

#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

constexpr size_t kBatchRows = 32;
constexpr size_t kUsageParams = 9;  // owner, granularity, start and the six counts

std::string AddUsageSql(size_t rows) {
  std::string sql =
      "INSERT INTO usage_counts (owner, granularity, start, valid, rate_limited, quota_exceeded,"
      " forbidden, unauthorized, credits) VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    if (r > 0) sql += ", ";
    sql += "(";
    for (size_t c = 0; c < kUsageParams; ++c) {
      if (c > 0) sql += ", ";
      sql += "$" + std::to_string(r * kUsageParams + c + 1);
    }
    sql += ")";
  }
  sql +=
      " ON CONFLICT (owner, granularity, start) DO UPDATE SET"
      " valid = usage_counts.valid + excluded.valid,"
      " rate_limited = usage_counts.rate_limited + excluded.rate_limited,"
      " quota_exceeded = usage_counts.quota_exceeded + excluded.quota_exceeded,"
      " forbidden = usage_counts.forbidden + excluded.forbidden,"
      " unauthorized = usage_counts.unauthorized + excluded.unauthorized,"
      " credits = usage_counts.credits + excluded.credits";
  return sql;
}

const Statement kAddOne(AddUsageSql(1));
const Statement kAddBatch(AddUsageSql(kBatchRows));
const Statement kRead(
    "SELECT start, valid, rate_limited, quota_exceeded, forbidden, unauthorized, credits"
    " FROM usage_counts WHERE owner = $1 AND granularity = $2 AND start >= $3 AND start < $4"
    " ORDER BY start");
const Statement kPurge("DELETE FROM usage_counts WHERE granularity = $1 AND start < $2");
const Statement kSelectTokenById("SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE id = $1");

void AddRow(const UsageRow& r, Params* p) {
  const UsageCounts& c = r.counts;
  p->Add(r.owner).Add(r.granularity).Add(r.start);
  p->Add(c.valid).Add(c.rate_limited).Add(c.quota_exceeded);
  p->Add(c.forbidden).Add(c.unauthorized).Add(c.credits);
}

bool SameBucket(const UsageRow& a, const UsageRow& b) {
  return a.owner == b.owner && a.granularity == b.granularity && a.start == b.start;
}

}  // namespace

Status SqlStore::AddUsage(const std::vector<UsageRow>& deltas) {
  // A fixed lock order (two nodes flushing at once cannot deadlock), and each bucket once (a
  // statement may not update the same row twice on PostgreSQL).
  std::vector<UsageRow> rows(deltas);
  std::sort(rows.begin(), rows.end(), [](const UsageRow& a, const UsageRow& b) {
    return std::tie(a.owner, a.granularity, a.start) < std::tie(b.owner, b.granularity, b.start);
  });
  std::vector<UsageRow> merged;
  merged.reserve(rows.size());
  for (UsageRow& r : rows) {
    if (!merged.empty() && SameBucket(merged.back(), r)) {
      merged.back().counts += r.counts;
    } else {
      merged.push_back(std::move(r));
    }
  }
  std::erase_if(merged, [](const UsageRow& r) { return r.counts.empty(); });
  if (merged.empty()) return Status::Ok();
  return driver_->Transaction([&](Session& session) -> Status {
    size_t i = 0;
    for (; i + kBatchRows <= merged.size(); i += kBatchRows) {
      Params params;
      for (size_t j = i; j < i + kBatchRows; ++j) AddRow(merged[j], &params);
      if (Result<int64_t> ran = session.Run(kAddBatch, params); !ran.ok()) return ran.error();
    }
    for (; i < merged.size(); ++i) {
      Params params;
      AddRow(merged[i], &params);
      if (Result<int64_t> ran = session.Run(kAddOne, params); !ran.ok()) return ran.error();
    }
    return Status::Ok();
  });
}

Result<std::vector<UsageRow>> SqlStore::ReadUsage(std::string_view owner, int64_t granularity,
                                                  int64_t from, int64_t to) {
  return Run<std::vector<UsageRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<std::vector<UsageRow>> {
        std::vector<UsageRow> out;
        Result<int64_t> ran =
            session.Run(kRead, Params().Add(owner).Add(granularity).Add(from).Add(to),
                        [&](const sql::Row& row) -> Status {
                          UsageRow r;
                          r.owner = std::string(owner);
                          r.granularity = granularity;
                          r.start = row.Int(0);
                          r.counts = UsageCounts{row.Int(1), row.Int(2), row.Int(3),
                                                 row.Int(4), row.Int(5), row.Int(6)};
                          out.push_back(std::move(r));
                          return Status::Ok();
                        });
        if (!ran.ok()) return ran.error();
        return out;
      });
}

Result<int64_t> SqlStore::PurgeUsage(int64_t granularity, int64_t before) {
  return Change(kPurge, Params().Add(granularity).Add(before));
}

Result<std::optional<TokenRow>> SqlStore::FindTokenById(std::string_view id) {
  return ReadOne<TokenRow>(kSelectTokenById, Params().Add(id));
}

}  // namespace keyward
