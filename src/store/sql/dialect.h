// The statements that truly differ between the engines; every other statement is written once in
// sql_store_*.cc. What differs, and why:
// - change_seq: SQLite draws it in the statement (one writer, so the order of sequences is the
//   order of commits); PostgreSQL draws it in a trigger under an advisory lock (migration 5).
// - e-mail collation: SQLite's column is NOCASE; PostgreSQL's unique index is on
//   lower(email COLLATE "C") (ASCII case folding, like NOCASE).
// - credit clamping: SQLite in CASE arithmetic on int64; PostgreSQL in numeric.
// - locking: PostgreSQL locks the rolled key's row (FOR UPDATE) and takes an advisory lock before
//   the first admin key; SQLite's single writer already serialises both.
// - bulk inserts: PostgreSQL sends many tokens per INSERT (fewer round trips); SQLite inserts one
//   at a time in the same transaction (no round trips to save).
// Parameters are described beside each member. Thread-safety: immutable.
#pragma once

#include <cstddef>
#include <optional>

#include "store/sql/statement.h"

namespace keyward::sql {

struct Dialect {
  // tokens: $1..$17 in KEYWARD_TOKEN_INSERT_COLUMNS order.
  Statement insert_token;
  // Many tokens at once: insert_tokens_batch_rows × 16 parameters; unset: one at a time.
  std::optional<Statement> insert_tokens_batch;
  size_t insert_tokens_batch_rows = 0;
  // $1 id, $2 account, $3 now: revoked_at set unless set; RETURNING the token columns.
  Statement revoke_token;
  // $1 id, $2 revoked_at; RETURNING the token columns.
  Statement revoke_token_by_id;
  // $1 id, $2 expires_at (kept when already earlier); RETURNING the token columns.
  Statement expire_token_by_id;
  // $1 id, $2 account → revoked_at of the token a roll ends, locked until the transaction ends.
  Statement select_token_for_roll;

  // $1 id, $2 account, $3 name, $4 permissions, $5 expires_at, $6 metadata, $7 ip_allowlist,
  // $8 disabled_at, $9 the change_seq the row must still have; a new change_seq; RETURNING the
  // token columns (no row when the check failed).
  Statement update_token;
  // $1 id, $2 name, $3 email (NULL when empty), $4 plan, $5 metadata, $6 rate_limit,
  // $7 account_rate_limit, $8 disabled_at, $9 the change_seq the row must still have; a new
  // change_seq; RETURNING the account columns (no row when the check failed).
  Statement update_account;

  // accounts: $1 email (case-insensitive match) → the account columns.
  Statement select_account_by_email;
  // $1 id, $2 amount: credits += amount clamped to [0, INT64_MAX], NULL stays NULL; RETURNING
  // the account columns.
  Statement add_credits;
  // $1 id, $2 used: credits -= used (not below 0, NULL stays NULL), credits_used += used.
  Statement charge_credits;

  // webhooks: $1 owner, $2 lease_until, $3 now, $4 limit → leases due pending deliveries of enabled
  // endpoints (PostgreSQL: FOR UPDATE SKIP LOCKED); RETURNING the delivery columns.
  Statement lease_deliveries;

  // admin keys: run first in the transaction that inserts the first admin key, when set.
  std::optional<Statement> lock_first_admin_key;
};

const Dialect& SqliteDialect();
const Dialect& PostgresDialect();

}  // namespace keyward::sql
