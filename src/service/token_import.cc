// TokenService::Import — keys imported from another system (API.md 11.4, 11.5): validated one by
// one (a refusal names keys[i].field and stores nothing), then stored with their token.imported
// events in one transaction, published to this node's index and announced to the others.
#include <algorithm>
#include <string>
#include <unordered_map>

#include "core/ids.h"
#include "core/ip_allowlist.h"
#include "core/permissions.h"
#include "core/sha256.h"
#include "service/event_builder.h"
#include "service/token_service.h"

namespace keyward {
namespace {

bool Printable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

// `e` with its param placed under keys[i] (a field-less error names keys[i] itself).
Error UnderKey(size_t i, const Error& e) {
  std::string param = "keys[" + std::to_string(i) + "]";
  if (!e.param().empty()) param += "." + e.param();
  return Error(e.code(), e.message(), std::move(param));
}

Status CheckPermissions(KeyType type, const std::optional<std::vector<std::string>>& given,
                        std::vector<std::string>* out) {
  if (type != KeyType::kRestricted) {
    if (given && !given->empty()) {
      return InvalidRequest("Only restricted keys carry permissions.", "permissions");
    }
    return Status::Ok();
  }
  if (!given || given->empty()) {
    return InvalidRequest("Restricted keys need at least one permission.", "permissions");
  }
  if (given->size() > kMaxPermissionsPerKey) {
    return InvalidRequest("A key may hold at most 100 permissions.", "permissions");
  }
  for (const std::string& perm : *given) {
    if (!IsValidPermission(perm)) {
      return InvalidRequest("Permissions are resource:action strings.", "permissions");
    }
  }
  *out = *given;
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return Status::Ok();
}

// key_prefix and last4: display text only, never the key itself (API.md 2.2).
Status CheckDisplayParts(const ImportKeyParams& p, const Digest& hash) {
  if (p.key_prefix) {
    const std::string& prefix = *p.key_prefix;
    if (prefix.empty() || prefix.size() > kMaxImportedPrefixLength || !Printable(prefix)) {
      return InvalidRequest("key_prefix must be 1 to 32 printable characters.", "key_prefix");
    }
    const bool whole = p.key ? prefix.size() >= p.key->size() : Sha256(prefix) == hash;
    if (whole) return InvalidRequest("key_prefix may not be the whole key.", "key_prefix");
    if (p.key && !p.key->starts_with(prefix)) {
      return InvalidRequest("key_prefix must be the start of the key.", "key_prefix");
    }
  }
  if (p.last4) {
    const std::string& last4 = *p.last4;
    if (last4.empty() || last4.size() > 4 || !Printable(last4)) {
      return InvalidRequest("last4 must be 1 to 4 printable characters.", "last4");
    }
    const bool whole = p.key ? last4.size() >= p.key->size() : Sha256(last4) == hash;
    if (whole) return InvalidRequest("last4 may not be the whole key.", "last4");
    if (p.key && !p.key->ends_with(last4)) {
      return InvalidRequest("last4 must be the end of the key.", "last4");
    }
  }
  return Status::Ok();
}

}  // namespace

Status TokenService::ImportRow(const ImportKeyParams& p, int64_t now, TokenRow* row) const {
  std::optional<ParsedCredential> native;
  if (p.sha256 && p.key) {
    return InvalidRequest("Give either sha256 or key, not both.", "key");
  }
  if (p.key) {
    // The plaintext is hashed here and goes no further: never stored, logged or echoed.
    native = format_.Parse(*p.key);
    if (native && native->kind != CredentialKind::kApiKey) {
      return InvalidRequest("Access tokens and admin keys cannot be imported.", "key");
    }
    if (!native && !IsForeignKeyCandidate(format_, *p.key)) {
      return InvalidRequest(
          "key must be 1 to 256 printable characters without spaces, and a key in keyward's "
          "format must carry a valid checksum.",
          "key");
    }
    row->key_hash = Sha256(*p.key);
  } else if (p.sha256) {
    if (!DigestFromHex(*p.sha256, &row->key_hash)) {
      return InvalidRequest("sha256 must be 64 hexadecimal characters.", "sha256");
    }
  } else {
    return InvalidRequest("Each key needs sha256 (its SHA-256 in hex) or key (the plaintext).",
                          "sha256");
  }

  if (p.name.empty() || p.name.size() > kMaxTokenNameLength) {
    return InvalidRequest("name must be 1 to 100 characters.", "name");
  }
  row->name = p.name;
  row->type = native ? native->type : KeyType::kSecret;
  if (p.type) {
    auto parsed = ParseKeyType(*p.type);
    if (!parsed) return InvalidRequest("type must be secret, publishable or restricted.", "type");
    row->type = *parsed;
  }
  if (Status st = CheckPermissions(row->type, p.permissions, &row->permissions); !st.ok()) {
    return st;
  }
  row->livemode = p.livemode.value_or(native ? native->livemode : true);
  if (p.expires_at && *p.expires_at <= now) {
    return InvalidRequest("expires_at must be in the future.", "expires_at");
  }
  row->expires_at = p.expires_at;
  auto metadata = MergeMetadata({}, p.metadata);
  if (!metadata.ok()) return metadata.error();
  row->metadata = std::move(*metadata);
  auto allowlist = NormalizeAllowlist(p.ip_allowlist);
  if (!allowlist.ok()) return allowlist.error();
  row->ip_allowlist = std::move(*allowlist);
  if (Status st = CheckDisplayParts(p, row->key_hash); !st.ok()) return st;
  row->key_prefix = p.key_prefix.value_or("");
  row->last4 = p.last4.value_or("");
  row->imported = true;
  return Status::Ok();
}

Result<std::vector<TokenRow>> TokenService::Import(const Principal& who,
                                                   const std::vector<ImportKeyParams>& keys) {
  if (!who.is_admin()) return Error(ErrorCode::kForbidden, "Only admin keys import keys.");
  if (keys.empty() || keys.size() > kMaxImportKeys) {
    return InvalidRequest("keys must hold 1 to 1000 keys.", "keys");
  }
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  const int64_t now = clock_.NowUnix();
  std::vector<TokenRow> rows(keys.size());
  std::unordered_map<Digest, size_t, DigestHash> seen;
  seen.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    TokenRow& row = rows[i];
    row.id = NewId(kTokenIdPrefix);
    row.account_id = (*account)->id;
    row.created = now;
    if (Status st = ImportRow(keys[i], now, &row); !st.ok()) return UnderKey(i, st.error());
    if (!seen.emplace(row.key_hash, i).second) {
      return InvalidRequest("This key appears twice in the import.",
                            "keys[" + std::to_string(i) + "].sha256");
    }
  }
  if (Status st = CheckWritable(); !st.ok()) return st.error();
  if (Status st = store_.ImportTokens(rows, TokenEvent("token.imported", who, clock_)); !st.ok()) {
    return st.error();
  }
  index_.AcceptForeign();
  for (const TokenRow& row : rows) index_.Publish(row.key_hash, MakeRecord(row, *account));
  // One announcement for the whole import: it makes every other node resync the tokens changed
  // since it last looked (these ones), and so learn that foreign keys are now accepted.
  if (notifier_) notifier_->AccountChanged();
  return rows;
}

}  // namespace keyward
