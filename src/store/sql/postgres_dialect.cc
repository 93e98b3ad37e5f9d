// The statements PostgreSQL runs differently (see dialect.h).
#include <string>

#include "store/sql/dialect.h"
#include "store/sql/rows.h"

namespace keyward::sql {
namespace {

constexpr size_t kInsertBatchRows = 64;

// INSERT of `rows` tokens: placeholders only ($1 … $17·rows); the values travel as parameters.
// change_seq comes from the trigger.
std::string InsertTokensSql(size_t rows) {
  std::string sql = "INSERT INTO tokens (" KEYWARD_TOKEN_INSERT_COLUMNS ") VALUES ";
  int n = 0;
  for (size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int c = 0; c < kTokenColumnCount; ++c) {
      if (c > 0) sql += ", ";
      sql += "$" + std::to_string(++n);
    }
    sql += ")";
  }
  return sql;
}

}  // namespace

const Dialect& PostgresDialect() {
  static const Dialect dialect{
      .insert_token = Statement(InsertTokensSql(1)),
      .insert_tokens_batch = Statement(InsertTokensSql(kInsertBatchRows)),
      .insert_tokens_batch_rows = kInsertBatchRows,
      .revoke_token =
          Statement("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND"
                    " account_id = $2 RETURNING " KEYWARD_TOKEN_COLUMNS),
      .revoke_token_by_id = Statement("UPDATE tokens SET revoked_at = $2 WHERE id = $1"
                                      " RETURNING " KEYWARD_TOKEN_COLUMNS),
      .expire_token_by_id = Statement(
          "UPDATE tokens SET expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < $2"
          " THEN expires_at ELSE $2 END WHERE id = $1 RETURNING " KEYWARD_TOKEN_COLUMNS),
      // Locks the old row: a concurrent roll or revoke on another node waits for this one.
      .select_token_for_roll =
          Statement("SELECT revoked_at FROM tokens WHERE id = $1 AND account_id = $2 FOR UPDATE"),
      // change_seq comes from the triggers (migrations 5 and 6).
      .update_token =
          Statement("UPDATE tokens SET name = $3, permissions = $4, expires_at = $5, metadata = $6,"
                    " ip_allowlist = $7, disabled_at = $8"
                    " WHERE id = $1 AND account_id = $2 AND change_seq = $9"
                    " RETURNING " KEYWARD_TOKEN_COLUMNS),
      .update_account = Statement(
          "UPDATE accounts SET name = $2, email = $3, plan = $4, metadata = $5, rate_limit = $6,"
          " account_rate_limit = $7, disabled_at = $8"
          " WHERE id = $1 AND change_seq = $9 RETURNING " KEYWARD_ACCOUNT_COLUMNS),
      // The unique index is on lower(email COLLATE "C"): ASCII case folding, like SQLite's NOCASE.
      .select_account_by_email = Statement("SELECT " KEYWARD_ACCOUNT_COLUMNS
                                           " FROM accounts WHERE lower(email COLLATE \"C\") ="
                                           " lower($1::text COLLATE \"C\")"),
      // Computed in numeric so nothing overflows; GREATEST ignores NULLs, hence the CASE.
      .add_credits = Statement(
          "UPDATE accounts SET credits = CASE WHEN credits IS NULL THEN NULL ELSE"
          " LEAST(GREATEST(credits::numeric + $2::numeric, 0), 9223372036854775807)::bigint END"
          " WHERE id = $1 RETURNING " KEYWARD_ACCOUNT_COLUMNS),
      .charge_credits = Statement(
          "UPDATE accounts SET"
          " credits = CASE WHEN credits IS NULL THEN NULL ELSE"
          " GREATEST(credits::numeric - $2::numeric, 0)::bigint END,"
          " credits_used = LEAST(credits_used::numeric + $2::numeric, 9223372036854775807)::bigint"
          " WHERE id = $1"),
      // Each due row is locked by one node's lease and skipped by the others.
      .lease_deliveries = Statement(
          "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN ("
          "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
          " WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND e.status = 'enabled'"
          " AND (d.lease_until IS NULL OR d.lease_until <= $3)"
          " ORDER BY d.next_attempt_at, d.seq LIMIT $4 FOR UPDATE OF d SKIP LOCKED)"
          " RETURNING " KEYWARD_DELIVERY_COLUMNS),
      // Serialises first-admin-key creation between nodes; the insert's NOT EXISTS runs after
      // the lock is held, in a statement of its own (READ COMMITTED: it sees every earlier commit).
      .lock_first_admin_key = Statement("SELECT pg_advisory_xact_lock(4242000100)"),
  };
  return dialect;
}

}  // namespace keyward::sql
