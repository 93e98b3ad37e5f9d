// See key_record.h: the record factories (moved here from the Verifier).
#include "service/key_record.h"

#include "core/ip_allowlist.h"

namespace keyward {
namespace {

std::string HexPrefix(const Digest& d, size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

}  // namespace

std::shared_ptr<const KeyExtras> MakeExtras(const TokenRow& row) {
  if (row.metadata.empty() && row.ip_allowlist.empty()) return nullptr;
  auto extras = std::make_shared<KeyExtras>();
  if (!row.metadata.empty()) extras->metadata_json = MetadataToJson(row.metadata);
  extras->allowlist = ParseAllowlist(row.ip_allowlist);
  extras->fenced = !row.ip_allowlist.empty();
  return extras;
}

KeyRecordPtr MakeRecord(const TokenRow& row, std::shared_ptr<const AccountInfo> account) {
  auto r = std::make_shared<KeyRecord>();
  r->set_token_id(row.id);
  r->account = std::move(account);
  r->kind = CredentialKind::kApiKey;
  r->type = row.type;
  r->livemode = row.livemode;
  r->revoked = row.revoked_at.has_value();
  r->disabled = row.disabled_at.has_value();
  r->expires_at = row.expires_at;
  r->permissions = row.permissions;
  r->extras = MakeExtras(row);
  r->version = row.change_seq;
  if (row.last_used_at) r->last_used_sec.store(*row.last_used_at, std::memory_order_relaxed);
  return r;
}

KeyRecordPtr MakeAccessRecord(const AccessTokenRow& row, const KeyRecord& parent) {
  auto info = std::make_shared<AccessTokenInfo>();
  info->parent_hash = row.parent_hash;
  info->bucket = "at:" + HexPrefix(row.token_hash, 12);
  auto r = std::make_shared<KeyRecord>();
  r->set_token_id(parent.token_id());
  r->account = parent.account;
  r->kind = CredentialKind::kAccessToken;
  r->type = parent.type;
  r->livemode = parent.livemode;
  r->expires_at = row.expires_at;
  r->permissions = parent.permissions;
  r->access = std::move(info);
  return r;
}

}  // namespace keyward
