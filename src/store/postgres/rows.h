// Mapping between keyward's rows (records.h) and PostgreSQL columns: the column lists every SELECT
// and RETURNING uses, and their decoders. Permissions are comma-joined as in SQLite (the same
// helpers). Thread-safety: stateless functions.
#pragma once

#include <optional>

#include "core/status.h"
#include "store/postgres/connection.h"
#include "store/records.h"

// Column lists, as string literals so that SQL constants can be assembled at compile time.
#define KEYWARD_PG_ACCOUNT_COLUMNS \
  "id, email, name, credits, credits_used, plan, password_hash, created"
#define KEYWARD_PG_TOKEN_COLUMNS                                                              \
  "id, account_id, name, type, key_hash, key_prefix, last4, permissions, livemode, created, " \
  "expires_at, revoked_at, last_used_at"
#define KEYWARD_PG_ADMIN_KEY_COLUMNS "id, name, key_hash, key_prefix, last4, created, revoked_at"
#define KEYWARD_PG_ACCESS_TOKEN_COLUMNS \
  "token_hash, parent_id, parent_hash, account_id, created, expires_at"

namespace keyward::pg {

// Decode row `row` of `rows`, whose columns are the matching list above.
AccountRow ReadAccount(const Rows& rows, int row);
Status ReadToken(const Rows& rows, int row, TokenRow* out);  // kInternalError when malformed
Status ReadAdminKey(const Rows& rows, int row, AdminKeyRow* out);
Status ReadAccessToken(const Rows& rows, int row, AccessTokenRow* out);

// The first row decoded, or nullopt when there is none.
std::optional<AccountRow> FirstAccount(const Rows& rows);
Result<std::optional<TokenRow>> FirstToken(const Rows& rows);
Result<std::optional<AdminKeyRow>> FirstAdminKey(const Rows& rows);

// Appends the parameters of an INSERT of KEYWARD_PG_TOKEN_COLUMNS, in that order.
void AddTokenParams(const TokenRow& token, Params* params);

}  // namespace keyward::pg
