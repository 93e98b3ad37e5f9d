#include "store/sqlite/rows.h"

#include <utility>

namespace keyward::sqlite {

void ReadAccount(const Stmt& stmt, AccountRow* out) {
  out->id = stmt.Text(0);
  out->email = stmt.Text(1);  // NULL reads as empty
  out->name = stmt.Text(2);
  out->credits = stmt.OptionalInt(3);
  out->credits_used = stmt.Int(4);
  out->plan = stmt.Text(5);
  out->password_hash = stmt.Text(6);
  out->created = stmt.Int(7);
}

Status ReadToken(const Stmt& stmt, TokenRow* out) {
  std::optional<KeyType> type = ParseKeyType(stmt.Text(3));
  if (!type) return Error(ErrorCode::kInternalError, "sqlite: a token row has an unknown type");
  if (!stmt.ReadDigest(4, &out->key_hash)) {
    return Error(ErrorCode::kInternalError, "sqlite: a token row has a malformed key hash");
  }
  out->id = stmt.Text(0);
  out->account_id = stmt.Text(1);
  out->name = stmt.Text(2);
  out->type = *type;
  out->key_prefix = stmt.Text(5);
  out->last4 = stmt.Text(6);
  SplitPermissions(stmt.Text(7), &out->permissions);
  out->livemode = stmt.Int(8) != 0;
  out->created = stmt.Int(9);
  out->expires_at = stmt.OptionalInt(10);
  out->revoked_at = stmt.OptionalInt(11);
  out->last_used_at = stmt.OptionalInt(12);
  return Status::Ok();
}

Status ReadAdminKey(const Stmt& stmt, AdminKeyRow* out) {
  if (!stmt.ReadDigest(2, &out->key_hash)) {
    return Error(ErrorCode::kInternalError, "sqlite: an admin key row has a malformed key hash");
  }
  out->id = stmt.Text(0);
  out->name = stmt.Text(1);
  out->key_prefix = stmt.Text(3);
  out->last4 = stmt.Text(4);
  out->created = stmt.Int(5);
  out->revoked_at = stmt.OptionalInt(6);
  return Status::Ok();
}

Result<std::optional<AccountRow>> StepAccount(Stmt& stmt) {
  Result<bool> row = stmt.Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<AccountRow>();
  AccountRow account;
  ReadAccount(stmt, &account);
  return std::optional<AccountRow>(std::move(account));
}

Result<std::optional<TokenRow>> StepToken(Stmt& stmt) {
  Result<bool> row = stmt.Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<TokenRow>();
  TokenRow token;
  if (Status s = ReadToken(stmt, &token); !s.ok()) return s.error();
  return std::optional<TokenRow>(std::move(token));
}

Result<std::optional<AdminKeyRow>> StepAdminKey(Stmt& stmt) {
  Result<bool> row = stmt.Step();
  if (!row.ok()) return row.error();
  if (!*row) return std::optional<AdminKeyRow>();
  AdminKeyRow key;
  if (Status s = ReadAdminKey(stmt, &key); !s.ok()) return s.error();
  return std::optional<AdminKeyRow>(std::move(key));
}

std::string JoinPermissions(const std::vector<std::string>& permissions) {
  std::string joined;
  for (size_t i = 0; i < permissions.size(); ++i) {
    if (i > 0) joined += ',';
    joined += permissions[i];
  }
  return joined;
}

void SplitPermissions(std::string_view joined, std::vector<std::string>* out) {
  out->clear();
  while (!joined.empty()) {
    size_t comma = joined.find(',');
    out->emplace_back(joined.substr(0, comma));
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
}

}  // namespace keyward::sqlite
