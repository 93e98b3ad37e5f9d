// The statements SQLite runs differently (see dialect.h).
#include "store/sql/dialect.h"
#include "store/sql/rows.h"

namespace keyward::sql {

// Every write that changes a token gives it the next change sequence (writes are serialised on
// the single writer, so the order of sequences is the order of commits).
#define KEYWARD_NEXT_CHANGE "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM tokens)"
#define KEYWARD_NEXT_ACCOUNT_CHANGE "(SELECT COALESCE(MAX(change_seq), 0) + 1 FROM accounts)"

const Dialect& SqliteDialect() {
  static const Dialect dialect{
      .insert_token = Statement("INSERT INTO tokens (" KEYWARD_TOKEN_INSERT_COLUMNS
                                ", change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                                " $11, $12, $13, $14, $15, $16, $17, " KEYWARD_NEXT_CHANGE ")"),
      .insert_tokens_batch = std::nullopt,
      .insert_tokens_batch_rows = 0,
      .revoke_token =
          Statement("UPDATE tokens SET revoked_at = COALESCE(revoked_at, $3), change_seq "
                    "= " KEYWARD_NEXT_CHANGE
                    " WHERE id = $1 AND account_id = $2 RETURNING " KEYWARD_TOKEN_COLUMNS),
      .revoke_token_by_id =
          Statement("UPDATE tokens SET revoked_at = $2, change_seq = " KEYWARD_NEXT_CHANGE
                    " WHERE id = $1 RETURNING " KEYWARD_TOKEN_COLUMNS),
      .expire_token_by_id = Statement(
          "UPDATE tokens SET expires_at = CASE WHEN expires_at IS NOT NULL AND expires_at < $2"
          " THEN expires_at ELSE $2 END, change_seq = " KEYWARD_NEXT_CHANGE
          " WHERE id = $1 RETURNING " KEYWARD_TOKEN_COLUMNS),
      .select_token_for_roll =
          Statement("SELECT revoked_at FROM tokens WHERE id = $1 AND account_id = $2"),
      .update_token =
          Statement("UPDATE tokens SET name = $3, permissions = $4, expires_at = $5, metadata = $6,"
                    " ip_allowlist = $7, disabled_at = $8, change_seq = " KEYWARD_NEXT_CHANGE
                    " WHERE id = $1 AND account_id = $2 AND change_seq = $9"
                    " RETURNING " KEYWARD_TOKEN_COLUMNS),
      .update_account = Statement(
          "UPDATE accounts SET name = $2, email = $3, plan = $4, metadata = $5, rate_limit = $6,"
          " account_rate_limit = $7, disabled_at = $8, change_seq = " KEYWARD_NEXT_ACCOUNT_CHANGE
          " WHERE id = $1 AND change_seq = $9 RETURNING " KEYWARD_ACCOUNT_COLUMNS),
      .select_account_by_email = Statement(  // the column is NOCASE
          "SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE email = $1"),
      .add_credits = Statement("UPDATE accounts SET credits = CASE"
                               " WHEN credits IS NULL THEN NULL"
                               " WHEN $2 > 0 AND credits > 9223372036854775807 - $2"
                               " THEN 9223372036854775807"
                               " WHEN credits + $2 < 0 THEN 0"
                               " ELSE credits + $2 END"
                               " WHERE id = $1 RETURNING " KEYWARD_ACCOUNT_COLUMNS),
      .charge_credits = Statement("UPDATE accounts SET credits = CASE"
                                  " WHEN credits IS NULL THEN NULL"
                                  " WHEN credits - $2 < 0 THEN 0"
                                  " ELSE credits - $2 END,"
                                  " credits_used = credits_used + $2"
                                  " WHERE id = $1"),
      .lease_deliveries = Statement(
          "UPDATE webhook_deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN ("
          "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
          " WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND e.status = 'enabled'"
          " AND (d.lease_until IS NULL OR d.lease_until <= $3)"
          " ORDER BY d.next_attempt_at, d.seq LIMIT $4) RETURNING " KEYWARD_DELIVERY_COLUMNS),
      .lock_first_admin_key = std::nullopt,  // the single writer serialises it
  };
  return dialect;
}

#undef KEYWARD_NEXT_CHANGE
#undef KEYWARD_NEXT_ACCOUNT_CHANGE

}  // namespace keyward::sql
