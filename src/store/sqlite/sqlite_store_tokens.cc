// SqliteStore: API keys ("tokens") and their usage.
#include <limits>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

// Every write that changes a token gives it the next change sequence (writes are serialised, so
// the order of sequences is the order of commits).
#define KEYWARD_NEXT_CHANGE "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM tokens)"
constexpr char kInsertToken[] =
    "INSERT INTO tokens (" KEYWARD_TOKEN_COLUMNS
    ", change_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
    KEYWARD_NEXT_CHANGE ")";
constexpr char kSelectToken[] =
    "SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE id = ?1 AND account_id = ?2";
constexpr char kSelectTokenByHash[] =
    "SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE key_hash = ?1";
constexpr char kTokenSeq[] = "SELECT seq FROM tokens WHERE id = ?1 AND account_id = ?2";
constexpr char kTokenRevokedAt[] =
    "SELECT revoked_at FROM tokens WHERE id = ?1 AND account_id = ?2";

// Lists: ?1 account, ?2 seq bound (exclusive), ?3 limit, ?4 now (where the filter needs it).
#define KEYWARD_LIST_TOKENS(filter)                                                        \
  "SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE account_id = ?1 AND seq < ?2" filter \
  " ORDER BY seq DESC LIMIT ?3"
constexpr char kListAll[] = KEYWARD_LIST_TOKENS("");
constexpr char kListActive[] =
    KEYWARD_LIST_TOKENS(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?4)");
constexpr char kListRevoked[] = KEYWARD_LIST_TOKENS(" AND revoked_at IS NOT NULL");
constexpr char kListExpired[] =
    KEYWARD_LIST_TOKENS(" AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?4");
#undef KEYWARD_LIST_TOKENS

constexpr char kRevoke[] =
    "UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?3), change_seq = " KEYWARD_NEXT_CHANGE
    " WHERE id = ?1 AND account_id = ?2"
    " RETURNING " KEYWARD_TOKEN_COLUMNS;
constexpr char kRevokeById[] =
    "UPDATE tokens SET revoked_at = ?2, change_seq = " KEYWARD_NEXT_CHANGE
    " WHERE id = ?1 RETURNING " KEYWARD_TOKEN_COLUMNS;
constexpr char kExpireById[] =
    "UPDATE tokens SET expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < ?2"
    " THEN expires_at ELSE ?2 END, change_seq = " KEYWARD_NEXT_CHANGE
    " WHERE id = ?1 RETURNING " KEYWARD_TOKEN_COLUMNS;
constexpr char kChangeCursor[] = "SELECT COALESCE(MAX(change_seq), 0) FROM tokens";
constexpr char kChangedAfter[] = "SELECT " KEYWARD_TOKEN_COLUMNS
                                 ", change_seq FROM tokens WHERE change_seq > ?1"
                                 " ORDER BY change_seq LIMIT ?2";
#undef KEYWARD_NEXT_CHANGE
constexpr char kSelectUnrevoked[] =
    "SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE revoked_at IS NULL";
constexpr char kRecordUsage[] =
    "UPDATE tokens SET last_used_at = ?2"
    " WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)";

Status Insert(Connection& conn, const TokenRow& token) {
  Result<Stmt> stmt = conn.Prepare(kInsertToken);
  if (!stmt.ok()) return stmt.error();
  const std::string permissions = sqlite::JoinPermissions(token.permissions);
  stmt->Bind(1, token.id)
      .Bind(2, token.account_id)
      .Bind(3, token.name)
      .Bind(4, KeyTypeName(token.type))
      .Bind(5, token.key_hash)
      .Bind(6, token.key_prefix)
      .Bind(7, token.last4)
      .Bind(8, permissions)
      .Bind(9, int64_t{token.livemode ? 1 : 0})
      .Bind(10, token.created)
      .Bind(11, token.expires_at)
      .Bind(12, token.revoked_at)
      .Bind(13, token.last_used_at);
  return stmt->Run();
}

// Steps an UPDATE … RETURNING to completion and gives the row it returned, if any.
Result<std::optional<TokenRow>> UpdateReturning(Stmt& stmt) {
  Result<std::optional<TokenRow>> row = sqlite::StepToken(stmt);
  if (!row.ok()) return row;
  if (Status s = stmt.Run(); !s.ok()) return s.error();
  return row;
}

Error ForeignReplacement() {
  return Error(ErrorCode::kInternalError, "roll: the replacement belongs to another account");
}

}  // namespace

Status SqliteStore::InsertToken(const TokenRow& token) {
  return writes_.Run([&](Connection& conn) { return Insert(conn, token); });
}

Status SqliteStore::InsertTokens(const std::vector<TokenRow>& tokens) {
  return writes_.Run([&](Connection& conn) -> Status {
    for (const TokenRow& token : tokens) {
      if (Status st = Insert(conn, token); !st.ok()) return st;
    }
    return Status::Ok();
  });
}

Result<std::optional<TokenRow>> SqliteStore::GetToken(std::string_view account_id,
                                                      std::string_view id) {
  return Read([&](Connection& conn) -> Result<std::optional<TokenRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectToken);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, id).Bind(2, account_id);
    return sqlite::StepToken(*stmt);
  });
}

Result<std::optional<TokenRow>> SqliteStore::FindTokenByHash(const Digest& key_hash) {
  return Read([&](Connection& conn) -> Result<std::optional<TokenRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectTokenByHash);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, key_hash);
    return sqlite::StepToken(*stmt);
  });
}

Result<Page<TokenRow>> SqliteStore::ListTokens(std::string_view account_id, TokenFilter filter,
                                               int64_t now_unix, const ListOptions& options) {
  return Read([&](Connection& conn) -> Result<Page<TokenRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<Stmt> seq = conn.Prepare(kTokenSeq);
      if (!seq.ok()) return seq.error();
      seq->Bind(1, options.starting_after).Bind(2, account_id);
      Result<bool> row = seq->Step();
      if (!row.ok()) return row.error();
      if (!*row) return InvalidRequest("starting_after is not a token id.", "starting_after");
      before = seq->Int(0);
    }
    const char* sql = kListAll;
    bool needs_now = false;
    switch (filter) {
      case TokenFilter::kAll:
        break;
      case TokenFilter::kActive:
        sql = kListActive;
        needs_now = true;
        break;
      case TokenFilter::kRevoked:
        sql = kListRevoked;
        break;
      case TokenFilter::kExpired:
        sql = kListExpired;
        needs_now = true;
        break;
    }
    const int64_t limit = options.limit < 0 ? 0 : options.limit;
    Result<Stmt> stmt = conn.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, account_id).Bind(2, before).Bind(3, limit + 1);
    if (needs_now) stmt->Bind(4, now_unix);
    Page<TokenRow> page;
    for (;;) {
      Result<std::optional<TokenRow>> row = sqlite::StepToken(*stmt);
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int64_t>(page.items.size()) == limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(std::move(**row));
    }
    return page;
  });
}

Result<std::optional<TokenRow>> SqliteStore::RevokeToken(std::string_view account_id,
                                                         std::string_view id, int64_t now_unix) {
  std::optional<TokenRow> revoked;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kRevoke);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, id).Bind(2, account_id).Bind(3, now_unix);
    Result<std::optional<TokenRow>> row = UpdateReturning(*stmt);
    if (!row.ok()) return row.error();
    revoked = std::move(*row);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return revoked;
}

Result<std::optional<TokenRow>> SqliteStore::RollToken(std::string_view account_id,
                                                       std::string_view old_id,
                                                       const TokenRow& replacement,
                                                       std::optional<int64_t> old_expires_at,
                                                       int64_t now_unix) {
  if (replacement.account_id != account_id) return ForeignReplacement();
  // One change: the savepoint the write queue puts around it makes it all or nothing.
  std::optional<TokenRow> ended;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    {
      Result<Stmt> old = conn.Prepare(kTokenRevokedAt);
      if (!old.ok()) return old.error();
      old->Bind(1, old_id).Bind(2, account_id);
      Result<bool> row = old->Step();
      if (!row.ok()) return row.error();
      if (!*row || !old->IsNull(0)) return Status::Ok();  // nothing to roll: no write at all
    }
    if (Status s = Insert(conn, replacement); !s.ok()) return s;
    Result<Stmt> end = conn.Prepare(old_expires_at ? kExpireById : kRevokeById);
    if (!end.ok()) return end.error();
    end->Bind(1, old_id).Bind(2, old_expires_at ? *old_expires_at : now_unix);
    Result<std::optional<TokenRow>> row = UpdateReturning(*end);
    if (!row.ok()) return row.error();
    ended = std::move(*row);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return ended;
}

Status SqliteStore::ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) {
  return Read([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kSelectUnrevoked);
    if (!stmt.ok()) return stmt.error();
    for (;;) {
      Result<bool> row = stmt->Step();
      if (!row.ok()) return row.error();
      if (!*row) return Status::Ok();
      TokenRow token;
      if (Status s = sqlite::ReadToken(*stmt, &token); !s.ok()) return s;
      fn(std::move(token));
    }
  });
}

Result<int64_t> SqliteStore::TokenChangeCursor() {
  return Read([&](Connection& conn) -> Result<int64_t> {
    Result<Stmt> stmt = conn.Prepare(kChangeCursor);
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    return *row ? stmt->Int(0) : int64_t{0};
  });
}

Result<int64_t> SqliteStore::ForEachTokenChangedAfter(int64_t after, size_t limit,
                                                      const std::function<void(TokenRow&&)>& fn) {
  return Read([&](Connection& conn) -> Result<int64_t> {
    Result<Stmt> stmt = conn.Prepare(kChangedAfter);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, after).Bind(2, static_cast<int64_t>(limit));
    int64_t highest = after;
    for (;;) {
      Result<bool> row = stmt->Step();
      if (!row.ok()) return row.error();
      if (!*row) return highest;
      TokenRow token;
      if (Status s = sqlite::ReadToken(*stmt, &token); !s.ok()) return s.error();
      highest = stmt->Int(13);
      fn(std::move(token));
    }
  });
}

Status SqliteStore::RecordUsage(const std::vector<TokenUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kRecordUsage);
    if (!stmt.ok()) return stmt.error();
    for (const TokenUsage& u : usage) {
      stmt->Bind(1, u.token_id).Bind(2, u.last_used_at);
      if (Status s = stmt->Run(); !s.ok()) return s;
      stmt->Reset();
    }
    return Status::Ok();
  });
}

}  // namespace keyward
