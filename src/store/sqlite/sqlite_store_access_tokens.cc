// SqliteStore: access tokens (API.md 3).
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr char kInsert[] =
    "INSERT INTO access_tokens (token_hash, parent_id, parent_hash, account_id, created,"
    " expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kSelectByHash[] =
    "SELECT token_hash, parent_id, parent_hash, account_id, created, expires_at"
    " FROM access_tokens WHERE token_hash = ?1";
constexpr char kSelectLive[] =
    "SELECT token_hash, parent_id, parent_hash, account_id, created, expires_at"
    " FROM access_tokens WHERE expires_at > ?1";
constexpr char kPurge[] = "DELETE FROM access_tokens WHERE expires_at <= ?1";

Status Read(const Stmt& stmt, AccessTokenRow* out) {
  if (!stmt.ReadDigest(0, &out->token_hash) || !stmt.ReadDigest(2, &out->parent_hash)) {
    return Error(ErrorCode::kInternalError, "sqlite: malformed access token row");
  }
  out->parent_id = std::string(stmt.Text(1));
  out->account_id = std::string(stmt.Text(3));
  out->created = stmt.Int(4);
  out->expires_at = stmt.Int(5);
  return Status::Ok();
}

}  // namespace

Status SqliteStore::InsertAccessToken(const AccessTokenRow& token) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kInsert);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, token.token_hash)
        .Bind(2, token.parent_id)
        .Bind(3, token.parent_hash)
        .Bind(4, token.account_id)
        .Bind(5, token.created)
        .Bind(6, token.expires_at);
    return stmt->Run();
  });
}

Result<std::optional<AccessTokenRow>> SqliteStore::FindAccessTokenByHash(const Digest& hash) {
  return Read([&](Connection& conn) -> Result<std::optional<AccessTokenRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectByHash);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, hash);
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<AccessTokenRow>();
    AccessTokenRow out;
    if (Status s = keyward::Read(*stmt, &out); !s.ok()) return s.error();
    return std::optional<AccessTokenRow>(std::move(out));
  });
}

Status SqliteStore::ForEachAccessToken(int64_t after_unix,
                                       const std::function<void(AccessTokenRow&&)>& fn) {
  return Read([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kSelectLive);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, after_unix);
    for (;;) {
      Result<bool> row = stmt->Step();
      if (!row.ok()) return row.error();
      if (!*row) return Status::Ok();
      AccessTokenRow out;
      if (Status s = keyward::Read(*stmt, &out); !s.ok()) return s;
      fn(std::move(out));
    }
  });
}

Result<int64_t> SqliteStore::PurgeAccessTokens(int64_t cutoff_unix) {
  return DeleteBefore(kPurge, cutoff_unix);
}

Result<int64_t> SqliteStore::DeleteBefore(const char* sql, int64_t cutoff_unix) {
  int64_t deleted = 0;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, cutoff_unix);
    if (Status st = stmt->Run(); !st.ok()) return st;
    deleted = sqlite3_changes64(conn.raw());
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return deleted;
}

}  // namespace keyward
