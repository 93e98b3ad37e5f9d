#include "store/postgres/rows.h"

#include <utility>

#include "store/sqlite/rows.h"  // JoinPermissions / SplitPermissions: the same encoding

namespace keyward::pg {

AccountRow ReadAccount(const Rows& rows, int row) {
  AccountRow a;
  a.id = rows.Text(row, 0);
  a.email = rows.Text(row, 1);  // NULL reads as empty
  a.name = rows.Text(row, 2);
  a.credits = rows.OptionalInt(row, 3);
  a.credits_used = rows.Int(row, 4);
  a.plan = rows.Text(row, 5);
  a.password_hash = rows.Text(row, 6);
  a.created = rows.Int(row, 7);
  return a;
}

Status ReadToken(const Rows& rows, int row, TokenRow* out) {
  std::optional<KeyType> type = ParseKeyType(rows.Text(row, 3));
  if (!type) return Error(ErrorCode::kInternalError, "PostgreSQL: a token row has an unknown type");
  if (!rows.ReadDigest(row, 4, &out->key_hash)) {
    return Error(ErrorCode::kInternalError, "PostgreSQL: a token row has a malformed key hash");
  }
  out->id = rows.Text(row, 0);
  out->account_id = rows.Text(row, 1);
  out->name = rows.Text(row, 2);
  out->type = *type;
  out->key_prefix = rows.Text(row, 5);
  out->last4 = rows.Text(row, 6);
  sqlite::SplitPermissions(rows.Text(row, 7), &out->permissions);
  out->livemode = rows.Bool(row, 8);
  out->created = rows.Int(row, 9);
  out->expires_at = rows.OptionalInt(row, 10);
  out->revoked_at = rows.OptionalInt(row, 11);
  out->last_used_at = rows.OptionalInt(row, 12);
  return Status::Ok();
}

Status ReadAdminKey(const Rows& rows, int row, AdminKeyRow* out) {
  if (!rows.ReadDigest(row, 2, &out->key_hash)) {
    return Error(ErrorCode::kInternalError, "PostgreSQL: an admin key row has a malformed hash");
  }
  out->id = rows.Text(row, 0);
  out->name = rows.Text(row, 1);
  out->key_prefix = rows.Text(row, 3);
  out->last4 = rows.Text(row, 4);
  out->created = rows.Int(row, 5);
  out->revoked_at = rows.OptionalInt(row, 6);
  return Status::Ok();
}

Status ReadAccessToken(const Rows& rows, int row, AccessTokenRow* out) {
  if (!rows.ReadDigest(row, 0, &out->token_hash) || !rows.ReadDigest(row, 2, &out->parent_hash)) {
    return Error(ErrorCode::kInternalError, "PostgreSQL: malformed access token row");
  }
  out->parent_id = rows.Text(row, 1);
  out->account_id = rows.Text(row, 3);
  out->created = rows.Int(row, 4);
  out->expires_at = rows.Int(row, 5);
  return Status::Ok();
}

std::optional<AccountRow> FirstAccount(const Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return ReadAccount(rows, 0);
}

Result<std::optional<TokenRow>> FirstToken(const Rows& rows) {
  if (rows.empty()) return std::optional<TokenRow>();
  TokenRow token;
  if (Status s = ReadToken(rows, 0, &token); !s.ok()) return s.error();
  return std::optional<TokenRow>(std::move(token));
}

Result<std::optional<AdminKeyRow>> FirstAdminKey(const Rows& rows) {
  if (rows.empty()) return std::optional<AdminKeyRow>();
  AdminKeyRow key;
  if (Status s = ReadAdminKey(rows, 0, &key); !s.ok()) return s.error();
  return std::optional<AdminKeyRow>(std::move(key));
}

void AddTokenParams(const TokenRow& token, Params* params) {
  params->Add(token.id)
      .Add(token.account_id)
      .Add(token.name)
      .Add(KeyTypeName(token.type))
      .Add(token.key_hash)
      .Add(token.key_prefix)
      .Add(token.last4)
      .Add(sqlite::JoinPermissions(token.permissions))
      .Add(token.livemode)
      .Add(token.created)
      .Add(token.expires_at)
      .Add(token.revoked_at)
      .Add(token.last_used_at);
}

}  // namespace keyward::pg
