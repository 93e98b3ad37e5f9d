// SqlStore: dashboard sessions and agent sign-in requests (API.md 8). Decisions and consumption
// are single atomic statements, so two nodes racing on one request see exactly one winner.
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

// Customers' sessions and operators' (API.md 16) live in two tables, read as one.
const Statement kInsertSession("INSERT INTO sessions (" KEYWARD_SESSION_COLUMNS
                               ") VALUES ($1, $2, $3, $4)");
const Statement kInsertOperatorSession(
    "INSERT INTO operator_sessions (" KEYWARD_OPERATOR_SESSION_COLUMNS ") VALUES ($1, $2, $3, $4)");
const Statement kSelectSession("SELECT " KEYWARD_SESSION_COLUMNS
                               ", 0 FROM sessions WHERE secret_hash = $1"
                               " UNION ALL SELECT " KEYWARD_OPERATOR_SESSION_COLUMNS
                               ", 1 FROM operator_sessions WHERE secret_hash = $1");
const Statement kDeleteSession("DELETE FROM sessions WHERE secret_hash = $1");
const Statement kDeleteOperatorSession("DELETE FROM operator_sessions WHERE secret_hash = $1");
const Statement kPurgeSessions("DELETE FROM sessions WHERE expires_at <= $1");
const Statement kPurgeOperatorSessions("DELETE FROM operator_sessions WHERE expires_at <= $1");

const Statement kSelectAgentAuth("SELECT " KEYWARD_AGENT_AUTH_COLUMNS
                                 " FROM agent_auth_requests WHERE token_hash = $1");
const Statement kInsertAgentAuthIfAbsent(
    "INSERT INTO agent_auth_requests (" KEYWARD_AGENT_AUTH_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO NOTHING");
// Inserts a decided request, or decides a pending one created after $8; a row back = decided.
const Statement kDecideAgentAuth(
    "INSERT INTO agent_auth_requests AS r (" KEYWARD_AGENT_AUTH_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token_hash) DO UPDATE SET"
    " status = excluded.status, account_id = excluded.account_id,"
    " client_name = excluded.client_name, token_id = excluded.token_id,"
    " decided_at = excluded.decided_at"
    " WHERE r.status = 'pending' AND r.created > $8 RETURNING 1");
const Statement kConsumeAgentAuth(
    "UPDATE agent_auth_requests SET status = 'consumed'"
    " WHERE token_hash = $1 AND status = 'approved' AND created > $2"
    " RETURNING " KEYWARD_AGENT_AUTH_COLUMNS);
const Statement kPurgeAgentAuth("DELETE FROM agent_auth_requests WHERE created <= $1");

}  // namespace

// --- sessions ---

Status SqlStore::InsertSession(const SessionRow& session, const EventFor<SessionRow>& event) {
  Params params;
  sql::AddParams(session, &params);
  return driver_->Transaction([&](Session& unit) -> Status {
    const auto& insert = session.operator_id.empty() ? kInsertSession : kInsertOperatorSession;
    if (Result<int64_t> ran = unit.Run(insert, params); !ran.ok()) return ran.error();
    return RecordEvent<SessionRow>(unit, event, nullptr, session);
  });
}

Result<std::optional<SessionRow>> SqlStore::FindSession(const Digest& secret_hash) {
  return ReadOne<SessionRow>(kSelectSession, Params().Add(secret_hash));
}

Status SqlStore::DeleteSession(const Digest& secret_hash) {
  return driver_->Transaction([&](Session& session) -> Status {
    for (const Statement* statement : {&kDeleteSession, &kDeleteOperatorSession}) {
      Result<int64_t> ran = session.Run(*statement, Params().Add(secret_hash));
      if (!ran.ok()) return ran.error();
    }
    return Status::Ok();
  });
}

Result<int64_t> SqlStore::PurgeSessions(int64_t cutoff_unix) {
  return Run<int64_t>(&sql::Driver::Transaction, [&](Session& session) -> Result<int64_t> {
    int64_t purged = 0;
    for (const Statement* statement : {&kPurgeSessions, &kPurgeOperatorSessions}) {
      Result<int64_t> ran = session.Run(*statement, Params().Add(cutoff_unix));
      if (!ran.ok()) return ran.error();
      purged += *ran;
    }
    return purged;
  });
}

// --- agent sign-in requests ---

Result<AgentAuthRow> SqlStore::EnsureAgentAuth(const AgentAuthRow& pending) {
  Params params;
  sql::AddParams(pending, &params);
  return Run<AgentAuthRow>(&sql::Driver::Write, [&](Session& session) -> Result<AgentAuthRow> {
    if (Result<int64_t> ran = session.Run(kInsertAgentAuthIfAbsent, params); !ran.ok()) {
      return ran.error();
    }
    Result<std::optional<AgentAuthRow>> row =
        sql::QueryOne<AgentAuthRow>(session, kSelectAgentAuth, Params().Add(pending.token_hash));
    if (!row.ok()) return row.error();
    if (!*row) return Error(ErrorCode::kInternalError, "store: agent request vanished");
    return std::move(**row);
  });
}

Result<std::optional<AgentAuthRow>> SqlStore::FindAgentAuth(const Digest& token_hash) {
  return ReadOne<AgentAuthRow>(kSelectAgentAuth, Params().Add(token_hash));
}

Result<bool> SqlStore::DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after,
                                       const EventFor<AgentAuthRow>& event) {
  Params params;
  sql::AddParams(decided, &params);
  params.Add(created_after);
  return Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
    Result<int64_t> n = session.Run(kDecideAgentAuth, params);
    if (!n.ok()) return n.error();
    if (*n == 0) return false;
    if (Status s = RecordEvent<AgentAuthRow>(session, event, nullptr, decided); !s.ok()) {
      return s.error();
    }
    return true;
  });
}

Result<std::optional<AgentAuthRow>> SqlStore::ConsumeAgentAuth(const Digest& token_hash,
                                                               int64_t created_after) {
  Result<std::optional<AgentAuthRow>> row =
      Run<std::optional<AgentAuthRow>>(&sql::Driver::Write, [&](Session& session) {
        return sql::QueryOne<AgentAuthRow>(session, kConsumeAgentAuth,
                                           Params().Add(token_hash).Add(created_after));
      });
  if (row.ok() && *row) (*row)->status = AgentAuthStatus::kApproved;  // as it was before
  return row;
}

Result<int64_t> SqlStore::PurgeAgentAuth(int64_t cutoff_unix) {
  return Change(kPurgeAgentAuth, Params().Add(cutoff_unix));
}

}  // namespace keyward
