// SqliteStore: dashboard sessions and agent sign-in requests (API.md 8).
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr char kInsertSession[] =
    "INSERT INTO sessions (secret_hash, account_id, created, expires_at) VALUES (?1, ?2, ?3, ?4)";
constexpr char kSelectSession[] =
    "SELECT account_id, created, expires_at FROM sessions WHERE secret_hash = ?1";
constexpr char kDeleteSession[] = "DELETE FROM sessions WHERE secret_hash = ?1";
constexpr char kPurgeSessions[] = "DELETE FROM sessions WHERE expires_at <= ?1";

#define KEYWARD_AGENT_AUTH_COLUMNS \
  "token_hash, status, account_id, client_name, token_id, created, decided_at"
constexpr char kSelectAgentAuth[] =
    "SELECT " KEYWARD_AGENT_AUTH_COLUMNS " FROM agent_auth_requests WHERE token_hash = ?1";
constexpr char kInsertAgentAuth[] = "INSERT INTO agent_auth_requests (" KEYWARD_AGENT_AUTH_COLUMNS
                                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kInsertAgentAuthIfAbsent[] =
    "INSERT INTO agent_auth_requests (" KEYWARD_AGENT_AUTH_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (token_hash) DO NOTHING";
constexpr char kDecideAgentAuth[] =
    "UPDATE agent_auth_requests SET status = ?2, account_id = ?3, client_name = ?4, token_id = ?5,"
    " decided_at = ?6 WHERE token_hash = ?1 AND status = 'pending' AND created > ?7";
constexpr char kConsumeAgentAuth[] =
    "UPDATE agent_auth_requests SET status = 'consumed'"
    " WHERE token_hash = ?1 AND status = 'approved' AND created > ?2";
constexpr char kPurgeAgentAuth[] = "DELETE FROM agent_auth_requests WHERE created <= ?1";

// Binds the seven columns of KEYWARD_AGENT_AUTH_COLUMNS from `row`.
void BindAgentAuth(Stmt& stmt, const AgentAuthRow& row) {
  stmt.Bind(1, row.token_hash).Bind(2, AgentAuthStatusName(row.status));
  if (row.account_id.empty()) {
    stmt.BindNull(3);
  } else {
    stmt.Bind(3, row.account_id);
  }
  stmt.Bind(4, row.client_name).Bind(5, row.token_id).Bind(6, row.created).Bind(7, row.decided_at);
}

Result<std::optional<AgentAuthRow>> StepAgentAuth(Stmt& stmt) {
  Result<bool> has = stmt.Step();
  if (!has.ok()) return has.error();
  if (!*has) return std::optional<AgentAuthRow>();
  AgentAuthRow row;
  auto status = ParseAgentAuthStatus(stmt.Text(1));
  if (!stmt.ReadDigest(0, &row.token_hash) || !status) {
    return Error(ErrorCode::kInternalError, "sqlite: malformed agent_auth_requests row");
  }
  row.status = *status;
  row.account_id = std::string(stmt.Text(2));  // NULL reads as empty
  row.client_name = std::string(stmt.Text(3));
  row.token_id = std::string(stmt.Text(4));
  row.created = stmt.Int(5);
  row.decided_at = stmt.OptionalInt(6);
  return std::optional<AgentAuthRow>(std::move(row));
}

Result<std::optional<AgentAuthRow>> SelectAgentAuth(Connection& conn, const Digest& hash) {
  Result<Stmt> stmt = conn.Prepare(kSelectAgentAuth);
  if (!stmt.ok()) return stmt.error();
  stmt->Bind(1, hash);
  return StepAgentAuth(*stmt);
}

}  // namespace

// --- sessions ---

Status SqliteStore::InsertSession(const SessionRow& session) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kInsertSession);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, session.secret_hash)
        .Bind(2, session.account_id)
        .Bind(3, session.created)
        .Bind(4, session.expires_at);
    return stmt->Run();
  });
}

Result<std::optional<SessionRow>> SqliteStore::FindSession(const Digest& secret_hash) {
  return Read([&](Connection& conn) -> Result<std::optional<SessionRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectSession);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, secret_hash);
    Result<bool> has = stmt->Step();
    if (!has.ok()) return has.error();
    if (!*has) return std::optional<SessionRow>();
    SessionRow row;
    row.secret_hash = secret_hash;
    row.account_id = std::string(stmt->Text(0));
    row.created = stmt->Int(1);
    row.expires_at = stmt->Int(2);
    return std::optional<SessionRow>(std::move(row));
  });
}

Status SqliteStore::DeleteSession(const Digest& secret_hash) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kDeleteSession);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, secret_hash);
    return stmt->Run();
  });
}

Result<int64_t> SqliteStore::PurgeSessions(int64_t cutoff_unix) {
  return DeleteBefore(kPurgeSessions, cutoff_unix);
}

// --- agent sign-in requests ---

Result<AgentAuthRow> SqliteStore::EnsureAgentAuth(const AgentAuthRow& pending) {
  AgentAuthRow out;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> insert = conn.Prepare(kInsertAgentAuthIfAbsent);
    if (!insert.ok()) return insert.error();
    BindAgentAuth(*insert, pending);
    if (Status st = insert->Run(); !st.ok()) return st;
    auto row = SelectAgentAuth(conn, pending.token_hash);
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kInternalError, "sqlite: agent request vanished");
    out = std::move(**row);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

Result<std::optional<AgentAuthRow>> SqliteStore::FindAgentAuth(const Digest& token_hash) {
  return Read([&](Connection& conn) { return SelectAgentAuth(conn, token_hash); });
}

Result<bool> SqliteStore::DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) {
  bool changed = false;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    auto existing = SelectAgentAuth(conn, decided.token_hash);
    if (!existing.ok()) return existing.error();
    if (!*existing) {
      Result<Stmt> insert = conn.Prepare(kInsertAgentAuth);
      if (!insert.ok()) return insert.error();
      BindAgentAuth(*insert, decided);
      if (Status st = insert->Run(); !st.ok()) return st;
      changed = true;
      return Status::Ok();
    }
    Result<Stmt> update = conn.Prepare(kDecideAgentAuth);
    if (!update.ok()) return update.error();
    update->Bind(1, decided.token_hash).Bind(2, AgentAuthStatusName(decided.status));
    update->Bind(3, decided.account_id)
        .Bind(4, decided.client_name)
        .Bind(5, decided.token_id)
        .Bind(6, decided.decided_at)
        .Bind(7, created_after);
    if (Status st = update->Run(); !st.ok()) return st;
    changed = sqlite3_changes64(conn.raw()) > 0;
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return changed;
}

Result<std::optional<AgentAuthRow>> SqliteStore::ConsumeAgentAuth(const Digest& token_hash,
                                                                  int64_t created_after) {
  std::optional<AgentAuthRow> before;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    auto existing = SelectAgentAuth(conn, token_hash);
    if (!existing.ok()) return existing.error();
    Result<Stmt> update = conn.Prepare(kConsumeAgentAuth);
    if (!update.ok()) return update.error();
    update->Bind(1, token_hash).Bind(2, created_after);
    if (Status st = update->Run(); !st.ok()) return st;
    if (sqlite3_changes64(conn.raw()) > 0) before = std::move(*existing);
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return before;
}

Result<int64_t> SqliteStore::PurgeAgentAuth(int64_t cutoff_unix) {
  return DeleteBefore(kPurgeAgentAuth, cutoff_unix);
}

}  // namespace keyward
