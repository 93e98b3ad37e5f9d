// PostgresStore: dashboard sessions and agent sign-in requests (API.md 8). The same semantics as
// the SQLite store; decisions and consumption are single atomic statements, so two nodes racing
// on one request see exactly one winner.
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

const std::string kInsertSession =
    "INSERT INTO sessions (secret_hash, account_id, created, expires_at) VALUES ($1, $2, $3, $4)";
const std::string kSelectSession =
    "SELECT account_id, created, expires_at FROM sessions WHERE secret_hash = $1";
const std::string kDeleteSession = "DELETE FROM sessions WHERE secret_hash = $1";
const std::string kPurgeSessions = "DELETE FROM sessions WHERE expires_at <= $1";

#define KEYWARD_PG_AGENT_AUTH_COLUMNS \
  "token_hash, status, account_id, client_name, token_id, created, decided_at"
const std::string kSelectAgentAuth =
    "SELECT " KEYWARD_PG_AGENT_AUTH_COLUMNS " FROM agent_auth_requests WHERE token_hash = $1";
const std::string kInsertAgentAuthIfAbsent =
    "INSERT INTO agent_auth_requests (" KEYWARD_PG_AGENT_AUTH_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO NOTHING";
// Inserts a decided request, or decides a pending one created after $8; a row back = decided.
const std::string kDecideAgentAuth =
    "INSERT INTO agent_auth_requests AS r (" KEYWARD_PG_AGENT_AUTH_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO UPDATE SET"
    " status = excluded.status, account_id = excluded.account_id,"
    " client_name = excluded.client_name, token_id = excluded.token_id,"
    " decided_at = excluded.decided_at"
    " WHERE r.status = 'pending' AND r.created > $8 RETURNING 1";
const std::string kConsumeAgentAuth =
    "UPDATE agent_auth_requests SET status = 'consumed'"
    " WHERE token_hash = $1 AND status = 'approved' AND created > $2"
    " RETURNING " KEYWARD_PG_AGENT_AUTH_COLUMNS;
const std::string kPurgeAgentAuth = "DELETE FROM agent_auth_requests WHERE created <= $1";
#undef KEYWARD_PG_AGENT_AUTH_COLUMNS

void AddAgentAuthParams(const AgentAuthRow& row, Params* p) {
  p->Add(row.token_hash).Add(AgentAuthStatusName(row.status));
  if (row.account_id.empty()) {
    p->AddNull();
  } else {
    p->Add(row.account_id);
  }
  p->Add(row.client_name).Add(row.token_id).Add(row.created).Add(row.decided_at);
}

Result<std::optional<AgentAuthRow>> ReadAgentAuth(const Rows& rows) {
  if (rows.empty()) return std::optional<AgentAuthRow>();
  AgentAuthRow row;
  auto status = ParseAgentAuthStatus(rows.Text(0, 1));
  if (!rows.ReadDigest(0, 0, &row.token_hash) || !status) {
    return Error(ErrorCode::kInternalError, "PostgreSQL: malformed agent_auth_requests row");
  }
  row.status = *status;
  row.account_id = rows.Text(0, 2);  // NULL reads as empty
  row.client_name = rows.Text(0, 3);
  row.token_id = rows.Text(0, 4);
  row.created = rows.Int(0, 5);
  row.decided_at = rows.OptionalInt(0, 6);
  return std::optional<AgentAuthRow>(std::move(row));
}

Result<std::optional<AgentAuthRow>> SelectAgentAuth(Connection& conn, const Digest& hash) {
  Result<Rows> rows = conn.Exec(kSelectAgentAuth, Params().Add(hash));
  if (!rows.ok()) return rows.error();
  return ReadAgentAuth(*rows);
}

}  // namespace

// --- sessions ---

Status PostgresStore::InsertSession(const SessionRow& session) {
  Result<int64_t> n = Change(kInsertSession, Params()
                                                 .Add(session.secret_hash)
                                                 .Add(session.account_id)
                                                 .Add(session.created)
                                                 .Add(session.expires_at));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<std::optional<SessionRow>> PostgresStore::FindSession(const Digest& secret_hash) {
  return With([&](Connection& conn) -> Result<std::optional<SessionRow>> {
    Result<Rows> rows = conn.Exec(kSelectSession, Params().Add(secret_hash));
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<SessionRow>();
    SessionRow row;
    row.secret_hash = secret_hash;
    row.account_id = rows->Text(0, 0);
    row.created = rows->Int(0, 1);
    row.expires_at = rows->Int(0, 2);
    return std::optional<SessionRow>(std::move(row));
  });
}

Status PostgresStore::DeleteSession(const Digest& secret_hash) {
  Result<int64_t> n = Change(kDeleteSession, Params().Add(secret_hash));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<int64_t> PostgresStore::PurgeSessions(int64_t cutoff_unix) {
  return Change(kPurgeSessions, Params().Add(cutoff_unix));
}

// --- agent sign-in requests ---

Result<AgentAuthRow> PostgresStore::EnsureAgentAuth(const AgentAuthRow& pending) {
  return With([&](Connection& conn) -> Result<AgentAuthRow> {
    Params p;
    AddAgentAuthParams(pending, &p);
    if (Result<Rows> r = conn.Exec(kInsertAgentAuthIfAbsent, p); !r.ok()) return r.error();
    auto row = SelectAgentAuth(conn, pending.token_hash);
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kInternalError, "PostgreSQL: agent request vanished");
    return std::move(**row);
  });
}

Result<std::optional<AgentAuthRow>> PostgresStore::FindAgentAuth(const Digest& token_hash) {
  return With([&](Connection& conn) { return SelectAgentAuth(conn, token_hash); });
}

Result<bool> PostgresStore::DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) {
  return With([&](Connection& conn) -> Result<bool> {
    Params p;
    AddAgentAuthParams(decided, &p);
    p.Add(created_after);
    Result<Rows> rows = conn.Exec(kDecideAgentAuth, p);
    if (!rows.ok()) return rows.error();
    return !rows->empty();
  });
}

Result<std::optional<AgentAuthRow>> PostgresStore::ConsumeAgentAuth(const Digest& token_hash,
                                                                    int64_t created_after) {
  return With([&](Connection& conn) -> Result<std::optional<AgentAuthRow>> {
    Result<Rows> rows = conn.Exec(kConsumeAgentAuth, Params().Add(token_hash).Add(created_after));
    if (!rows.ok()) return rows.error();
    auto row = ReadAgentAuth(*rows);
    if (!row.ok() || !*row) return row;
    (*row)->status = AgentAuthStatus::kApproved;  // the row as it was before this call
    return row;
  });
}

Result<int64_t> PostgresStore::PurgeAgentAuth(int64_t cutoff_unix) {
  return Change(kPurgeAgentAuth, Params().Add(cutoff_unix));
}

}  // namespace keyward
