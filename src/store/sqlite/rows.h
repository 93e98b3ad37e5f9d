// Mapping between keyward's rows (records.h) and SQLite columns: the column lists every SELECT
// uses, the decoders for them, and the permission-list encoding (comma-joined; a permission never
// contains a comma). Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/records.h"
#include "store/sqlite/connection.h"

// Column lists, as string literals so that SQL constants can be assembled at compile time.
#define KEYWARD_ACCOUNT_COLUMNS \
  "id, email, name, credits, credits_used, plan, password_hash, created"
#define KEYWARD_TOKEN_COLUMNS                                                                 \
  "id, account_id, name, type, key_hash, key_prefix, last4, permissions, livemode, created, " \
  "expires_at, revoked_at, last_used_at"
#define KEYWARD_ADMIN_KEY_COLUMNS "id, name, key_hash, key_prefix, last4, created, revoked_at"

namespace keyward::sqlite {

// Decode the current row of `stmt`, whose columns start with the matching list above.
void ReadAccount(const Stmt& stmt, AccountRow* out);
Status ReadToken(const Stmt& stmt, TokenRow* out);  // kInternalError on a malformed type or hash
Status ReadAdminKey(const Stmt& stmt, AdminKeyRow* out);

// Step `stmt` once and decode the row it returns, or nullopt when it returns none. The statement is
// not stepped further; a write with RETURNING must still be finished with Run().
Result<std::optional<AccountRow>> StepAccount(Stmt& stmt);
Result<std::optional<TokenRow>> StepToken(Stmt& stmt);
Result<std::optional<AdminKeyRow>> StepAdminKey(Stmt& stmt);

std::string JoinPermissions(const std::vector<std::string>& permissions);
void SplitPermissions(std::string_view joined, std::vector<std::string>* out);

}  // namespace keyward::sqlite
