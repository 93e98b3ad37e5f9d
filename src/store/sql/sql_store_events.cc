// SqlStore: events (API.md 13) — recording one inside a write's transaction, reading and listing
// them, retention, and the time-driven token notices claimed once across nodes.
#include <algorithm>
#include <limits>

#include "store/sql/binding_driver.h"
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsertEvent("INSERT INTO events (" KEYWARD_EVENT_COLUMNS
                             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
const Statement kSelectEvent("SELECT " KEYWARD_EVENT_COLUMNS " FROM events WHERE id = $1");
const Statement kEventSeq("SELECT seq FROM events WHERE id = $1");
const Statement kPurgeEvents("DELETE FROM events WHERE created < $1");

// $1 seq bound (exclusive), $2 limit, $3 account ('' = any), $4 exact type ('' = any),
// $5 type prefix with its dot ('' = any), $6 created >= , $7 created <.
const Statement kListEvents("SELECT " KEYWARD_EVENT_COLUMNS
                            " FROM events WHERE seq < $1"
                            " AND ($3 = '' OR account_id = $3)"
                            " AND ($4 = '' OR type = $4)"
                            " AND ($5 = '' OR substr(type, 1, length($5)) = $5)"
                            " AND created >= $6 AND created < $7"
                            " ORDER BY seq DESC LIMIT $2");

// Tokens whose expiry is due to be announced: $1 now, $2 limit, $3 window end.
const Statement kDueExpired("SELECT " KEYWARD_TOKEN_COLUMNS
                            " FROM tokens WHERE revoked_at IS NULL AND expires_at IS NOT NULL"
                            " AND expires_at <= $1"
                            " AND (expired_notice IS NULL OR expired_notice <> expires_at)"
                            " ORDER BY expires_at LIMIT $2");
const Statement kDueExpiring("SELECT " KEYWARD_TOKEN_COLUMNS
                             " FROM tokens WHERE revoked_at IS NULL AND expires_at IS NOT NULL"
                             " AND expires_at > $1 AND expires_at <= $3"
                             " AND (expiring_notice IS NULL OR expiring_notice <> expires_at)"
                             " ORDER BY expires_at LIMIT $2");
// The claims: one row changed = this node announces it. $1 id, $2 the expiry announced.
const Statement kClaimExpired(
    "UPDATE tokens SET expired_notice = $2 WHERE id = $1 AND revoked_at IS NULL"
    " AND expires_at = $2 AND (expired_notice IS NULL OR expired_notice <> $2)");
const Statement kClaimExpiring(
    "UPDATE tokens SET expiring_notice = $2 WHERE id = $1 AND revoked_at IS NULL"
    " AND expires_at = $2 AND (expiring_notice IS NULL OR expiring_notice <> $2)");

}  // namespace

Status SqlStore::InsertEvent(Session& session, const EventRow& event) {
  if (Status st = sql::MarkIdempotencyDone(session, event); !st.ok()) return st;
  Params params;
  sql::AddParams(event, &params);
  Result<int64_t> ran = session.Run(kInsertEvent, params);
  if (!ran.ok()) return ran.error();
  return FanOut(session, event);  // its webhook deliveries, in the same transaction
}

Status SqlStore::AppendEvent(const EventRow& event) {
  return driver_->Transaction([&](Session& session) { return InsertEvent(session, event); });
}

Result<std::optional<EventRow>> SqlStore::GetEvent(std::string_view id,
                                                   const std::optional<std::string>& account_id) {
  Result<std::optional<EventRow>> row = ReadOne<EventRow>(kSelectEvent, Params().Add(id));
  if (!row.ok() || !*row) return row;
  if (account_id && (*row)->account_id != *account_id) return std::optional<EventRow>();
  return row;
}

Result<Page<EventRow>> SqlStore::ListEvents(const EventFilter& filter, const ListOptions& options) {
  std::string exact = filter.type;
  std::string prefix;
  if (exact.size() >= 2 && exact.ends_with(".*")) {
    prefix = exact.substr(0, exact.size() - 1);  // "token.*" → "token."
    exact.clear();
  }
  return Run<Page<EventRow>>(&sql::Driver::Read, [&](Session& session) -> Result<Page<EventRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<std::optional<int64_t>> seq =
          sql::QueryOne<int64_t>(session, kEventSeq, Params().Add(options.starting_after));
      if (!seq.ok()) return seq.error();
      if (!*seq) return InvalidRequest("starting_after is not an event id.", "starting_after");
      before = **seq;
    }
    const int64_t limit = std::max(options.limit, 0);
    Params params;
    params.Add(before)
        .Add(limit + 1)
        .Add(filter.account_id.value_or(""))
        .Add(exact)
        .Add(prefix)
        .Add(filter.created_gte.value_or(std::numeric_limits<int64_t>::min()))
        .Add(filter.created_lt.value_or(std::numeric_limits<int64_t>::max()));
    return sql::QueryPage<EventRow>(session, kListEvents, params, limit);
  });
}

Result<int64_t> SqlStore::PurgeEvents(int64_t cutoff_unix) {
  return Change(kPurgeEvents, Params().Add(cutoff_unix));
}

Result<int64_t> SqlStore::RecordNotices(bool expired, int64_t now, int64_t notice_seconds,
                                        size_t limit, const EventFor<TokenRow>& make) {
  Result<std::vector<TokenRow>> due = Run<std::vector<TokenRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<std::vector<TokenRow>> {
        std::vector<TokenRow> tokens;
        Params params;
        params.Add(now).Add(static_cast<int64_t>(limit));
        if (!expired) params.Add(now + notice_seconds);
        Status s = sql::StreamAll<TokenRow>(session, expired ? kDueExpired : kDueExpiring, params,
                                            [&](TokenRow&& t) { tokens.push_back(std::move(t)); });
        if (!s.ok()) return s.error();
        return tokens;
      });
  if (!due.ok()) return due.error();
  int64_t recorded = 0;
  for (const TokenRow& token : *due) {
    Result<bool> claimed =
        Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
          Result<int64_t> n = session.Run(expired ? kClaimExpired : kClaimExpiring,
                                          Params().Add(token.id).Add(*token.expires_at));
          if (!n.ok()) return n.error();
          if (*n == 0) return false;  // another node announced it, or the token changed
          if (Status s = RecordEvent<TokenRow>(session, make, nullptr, token); !s.ok()) {
            return s.error();
          }
          return true;
        });
    if (!claimed.ok()) return claimed.error();
    if (*claimed) ++recorded;
  }
  return recorded;
}

Result<int64_t> SqlStore::RecordTokenNotices(int64_t now, int64_t notice_seconds, size_t limit,
                                             const EventFor<TokenRow>& expired,
                                             const EventFor<TokenRow>& expiring) {
  Result<int64_t> ended = RecordNotices(true, now, notice_seconds, limit, expired);
  if (!ended.ok()) return ended;
  Result<int64_t> soon = RecordNotices(false, now, notice_seconds, limit, expiring);
  if (!soon.ok()) return soon;
  return *ended + *soon;
}

}  // namespace keyward
