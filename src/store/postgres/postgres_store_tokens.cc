// PostgresStore: API keys ("tokens") and their usage.
#include <algorithm>
#include <limits>

#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

constexpr int kTokenColumns = 13;
constexpr size_t kInsertBatch = 64;  // rows per multi-row INSERT in InsertTokens

// INSERT of `rows` tokens: placeholders only ($1 … $13·rows); the values travel as parameters.
std::string InsertSql(size_t rows) {
  std::string sql = "INSERT INTO tokens (" KEYWARD_PG_TOKEN_COLUMNS ") VALUES ";
  int n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int c = 0; c < kTokenColumns; ++c) {
      if (c > 0) sql += ", ";
      sql += "$" + std::to_string(++n);
    }
    sql += ")";
  }
  return sql;
}

const std::string kInsertToken = InsertSql(1);
const std::string kInsertTokenBatch = InsertSql(kInsertBatch);
const std::string kSelectToken =
    "SELECT " KEYWARD_PG_TOKEN_COLUMNS " FROM tokens WHERE id = $1 AND account_id = $2";
const std::string kSelectTokenByHash =
    "SELECT " KEYWARD_PG_TOKEN_COLUMNS " FROM tokens WHERE key_hash = $1";
const std::string kTokenSeq = "SELECT seq FROM tokens WHERE id = $1 AND account_id = $2";
const std::string kLockForRoll =
    "SELECT revoked_at FROM tokens WHERE id = $1 AND account_id = $2 FOR UPDATE";

// Lists: $1 account, $2 seq bound (exclusive), $3 limit, $4 now (where the filter needs it).
#define KEYWARD_PG_LIST_TOKENS(filter)                                                        \
  "SELECT " KEYWARD_PG_TOKEN_COLUMNS " FROM tokens WHERE account_id = $1 AND seq < $2" filter \
  " ORDER BY seq DESC LIMIT $3"
const std::string kListAll = KEYWARD_PG_LIST_TOKENS("");
const std::string kListActive =
    KEYWARD_PG_LIST_TOKENS(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4)");
const std::string kListRevoked = KEYWARD_PG_LIST_TOKENS(" AND revoked_at IS NOT NULL");
const std::string kListExpired = KEYWARD_PG_LIST_TOKENS(
    " AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $4");
#undef KEYWARD_PG_LIST_TOKENS

const std::string kRevoke =
    "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND account_id = $2"
    " RETURNING " KEYWARD_PG_TOKEN_COLUMNS;
const std::string kRevokeById =
    "UPDATE tokens SET revoked_at = $2 WHERE id = $1 RETURNING " KEYWARD_PG_TOKEN_COLUMNS;
const std::string kExpireById =
    "UPDATE tokens SET expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < $2"
    " THEN expires_at ELSE $2 END WHERE id = $1 RETURNING " KEYWARD_PG_TOKEN_COLUMNS;
const std::string kSelectUnrevoked =
    "SELECT " KEYWARD_PG_TOKEN_COLUMNS " FROM tokens WHERE revoked_at IS NULL";
const std::string kRecordUsage =
    "UPDATE tokens SET last_used_at = $2"
    " WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)";

Status Insert(Connection& conn, const TokenRow& token) {
  Params p;
  pg::AddTokenParams(token, &p);
  Result<Rows> rows = conn.Exec(kInsertToken, p);
  if (!rows.ok()) return rows.error();
  return Status::Ok();
}

Error ForeignReplacement() {
  return Error(ErrorCode::kInternalError, "roll: the replacement belongs to another account");
}

}  // namespace

Status PostgresStore::InsertToken(const TokenRow& token) {
  return With([&](Connection& conn) { return Insert(conn, token); });
}

Status PostgresStore::InsertTokens(const std::vector<TokenRow>& tokens) {
  if (tokens.empty()) return Status::Ok();
  return InTransaction([&](Connection& conn) -> Status {
    size_t i = 0;
    for (; i + kInsertBatch <= tokens.size(); i += kInsertBatch) {
      Params p;
      for (size_t j = i; j < i + kInsertBatch; ++j) pg::AddTokenParams(tokens[j], &p);
      Result<Rows> rows = conn.Exec(kInsertTokenBatch, p);
      if (!rows.ok()) return rows.error();
    }
    for (; i < tokens.size(); ++i) {
      if (Status s = Insert(conn, tokens[i]); !s.ok()) return s;
    }
    return Status::Ok();
  });
}

Result<std::optional<TokenRow>> PostgresStore::GetToken(std::string_view account_id,
                                                        std::string_view id) {
  return With([&](Connection& conn) -> Result<std::optional<TokenRow>> {
    Result<Rows> rows = conn.Exec(kSelectToken, Params().Add(id).Add(account_id));
    if (!rows.ok()) return rows.error();
    return pg::FirstToken(*rows);
  });
}

Result<std::optional<TokenRow>> PostgresStore::FindTokenByHash(const Digest& key_hash) {
  return With([&](Connection& conn) -> Result<std::optional<TokenRow>> {
    Result<Rows> rows = conn.Exec(kSelectTokenByHash, Params().Add(key_hash));
    if (!rows.ok()) return rows.error();
    return pg::FirstToken(*rows);
  });
}

Result<Page<TokenRow>> PostgresStore::ListTokens(std::string_view account_id, TokenFilter filter,
                                                 int64_t now_unix, const ListOptions& options) {
  return With([&](Connection& conn) -> Result<Page<TokenRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<Rows> seq = conn.Exec(kTokenSeq, Params().Add(options.starting_after).Add(account_id));
      if (!seq.ok()) return seq.error();
      if (seq->empty()) {
        return InvalidRequest("starting_after is not a token id.", "starting_after");
      }
      before = seq->Int(0, 0);
    }
    const std::string* sql = &kListAll;
    bool needs_now = false;
    switch (filter) {
      case TokenFilter::kAll:
        break;
      case TokenFilter::kActive:
        sql = &kListActive;
        needs_now = true;
        break;
      case TokenFilter::kRevoked:
        sql = &kListRevoked;
        break;
      case TokenFilter::kExpired:
        sql = &kListExpired;
        needs_now = true;
        break;
    }
    const int64_t limit = options.limit < 0 ? 0 : options.limit;
    Params p;
    p.Add(account_id).Add(before).Add(limit + 1);
    if (needs_now) p.Add(now_unix);
    Result<Rows> rows = conn.Exec(*sql, p);
    if (!rows.ok()) return rows.error();
    Page<TokenRow> page;
    for (int i = 0; i < rows->size(); ++i) {
      if (static_cast<int64_t>(page.items.size()) == limit) {
        page.has_more = true;
        break;
      }
      TokenRow token;
      if (Status s = pg::ReadToken(*rows, i, &token); !s.ok()) return s.error();
      page.items.push_back(std::move(token));
    }
    return page;
  });
}

Result<std::optional<TokenRow>> PostgresStore::RevokeToken(std::string_view account_id,
                                                           std::string_view id, int64_t now_unix) {
  return With([&](Connection& conn) -> Result<std::optional<TokenRow>> {
    Result<Rows> rows = conn.Exec(kRevoke, Params().Add(id).Add(account_id).Add(now_unix));
    if (!rows.ok()) return rows.error();
    return pg::FirstToken(*rows);
  });
}

Result<std::optional<TokenRow>> PostgresStore::RollToken(std::string_view account_id,
                                                         std::string_view old_id,
                                                         const TokenRow& replacement,
                                                         std::optional<int64_t> old_expires_at,
                                                         int64_t now_unix) {
  if (replacement.account_id != account_id) return ForeignReplacement();
  std::optional<TokenRow> ended;
  Status s = InTransaction([&](Connection& conn) -> Status {
    // Locks the old row: a concurrent roll or revoke on another node waits for this one.
    Result<Rows> old = conn.Exec(kLockForRoll, Params().Add(old_id).Add(account_id));
    if (!old.ok()) return old.error();
    if (old->empty() || !old->IsNull(0, 0)) return Status::Ok();  // nothing to roll, no write
    if (Status st = Insert(conn, replacement); !st.ok()) return st;
    Result<Rows> end =
        conn.Exec(old_expires_at ? kExpireById : kRevokeById,
                  Params().Add(old_id).Add(old_expires_at ? *old_expires_at : now_unix));
    if (!end.ok()) return end.error();
    Result<std::optional<TokenRow>> row = pg::FirstToken(*end);
    if (!row.ok()) return row.error();
    ended = std::move(*row);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return ended;
}

Status PostgresStore::ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) {
  return With([&](Connection& conn) -> Status {
    return conn.Stream(kSelectUnrevoked, Params(), [&](const Rows& rows) -> Status {
      TokenRow token;
      if (Status s = pg::ReadToken(rows, 0, &token); !s.ok()) return s;
      fn(std::move(token));
      return Status::Ok();
    });
  });
}

Status PostgresStore::RecordUsage(const std::vector<TokenUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  // A fixed lock order: two nodes flushing overlapping batches cannot deadlock.
  std::vector<const TokenUsage*> sorted;
  for (const TokenUsage& u : usage) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const TokenUsage* a, const TokenUsage* b) {
    return a->token_id < b->token_id;
  });
  return InTransaction([&](Connection& conn) -> Status {
    for (const TokenUsage* u : sorted) {
      Result<Rows> rows = conn.Exec(kRecordUsage, Params().Add(u->token_id).Add(u->last_used_at));
      if (!rows.ok()) return rows.error();
    }
    return Status::Ok();
  });
}

}  // namespace keyward

namespace keyward {
namespace {

const std::string kChangeCursor = "SELECT COALESCE(MAX(change_seq), 0) FROM tokens";
const std::string kChangedAfter = "SELECT " KEYWARD_PG_TOKEN_COLUMNS
                                  ", change_seq FROM tokens WHERE change_seq > $1"
                                  " ORDER BY change_seq LIMIT $2";

}  // namespace

// change_seq is drawn by a trigger under an advisory lock (migration 5), so sequences become
// visible in increasing order and a cursor never skips a committed change.
Result<int64_t> PostgresStore::TokenChangeCursor() {
  return With([&](pg::Connection& conn) -> Result<int64_t> {
    Result<pg::Rows> rows = conn.Exec(kChangeCursor, pg::Params());
    if (!rows.ok()) return rows.error();
    return rows->Int(0, 0);
  });
}

Result<int64_t> PostgresStore::ForEachTokenChangedAfter(
    int64_t after, size_t limit, const std::function<void(TokenRow&&)>& fn) {
  return With([&](pg::Connection& conn) -> Result<int64_t> {
    Result<pg::Rows> rows =
        conn.Exec(kChangedAfter, pg::Params().Add(after).Add(static_cast<int64_t>(limit)));
    if (!rows.ok()) return rows.error();
    int64_t last = after;
    for (int r = 0; r < rows->size(); ++r) {
      TokenRow token;
      if (Status s = pg::ReadToken(*rows, r, &token); !s.ok()) return s.error();
      last = rows->Int(r, 13);
      fn(std::move(token));
    }
    return last;
  });
}

}  // namespace keyward
