#include "service/token_service.h"

#include <algorithm>

#include "core/ids.h"
#include "core/ip_allowlist.h"
#include "core/permissions.h"
#include "core/sha256.h"
#include "service/event_builder.h"

namespace keyward {
namespace {

Error Forbidden(std::string message) {
  return Error(ErrorCode::kForbidden, std::move(message));
}
Error NotFound() {
  return Error(ErrorCode::kNotFound, "No such token.");
}

}  // namespace

TokenService::TokenService(Store& store, KeyIndex& index, AccountDirectory& accounts,
                           Verifier& verifier, const ServiceSettings& settings,
                           const KeyFormat& format, const Clock& clock)
    : store_(store),
      index_(index),
      accounts_(accounts),
      verifier_(verifier),
      settings_(settings),
      format_(format),
      clock_(clock) {}

Status TokenService::Require(const Principal& who, std::string_view permission) const {
  if (who.kind != Principal::Kind::kKey) return Status::Ok();
  const KeyRecord& key = *who.key;
  if (key.kind != CredentialKind::kApiKey) {
    return Forbidden("Access tokens may not manage keys.");
  }
  if (key.sandbox) return Forbidden("The sandbox key may not manage keys.");
  switch (key.type) {
    case KeyType::kSecret:
      return Status::Ok();
    case KeyType::kPublishable:
      return Forbidden("Publishable keys may not manage keys.");
    case KeyType::kRestricted:
      if (AnyGrants(key.permissions, permission)) return Status::Ok();
      return Forbidden("This key lacks the permission " + std::string(permission) + ".");
  }
  return Forbidden("This key may not manage keys.");
}

Result<std::shared_ptr<const AccountInfo>> TokenService::ActingAccount(const Principal& who) {
  if (who.account_id.empty()) {
    return InvalidRequest("Admin keys must name the account in the Keyward-Account header.",
                          "Keyward-Account");
  }
  auto account = accounts_.Get(who.account_id);
  if (!account.ok()) return account.error();
  if (!*account) return InvalidRequest("No such account.", "Keyward-Account");
  return account;
}

IssuedToken TokenService::Mint(const std::string& account_id, std::string name, KeyType type,
                               std::vector<std::string> permissions, bool livemode,
                               std::optional<int64_t> expires_at, int64_t now) const {
  IssuedToken out;
  out.key = format_.GenerateApiKey(type, livemode);
  TokenRow& row = out.row;
  row.id = NewId(kTokenIdPrefix);
  row.account_id = account_id;
  row.name = std::move(name);
  row.type = type;
  row.key_hash = Sha256(out.key);
  row.key_prefix = DisplayPrefix(out.key, settings_.display_prefix_length);
  row.last4 = Last4(out.key);
  row.permissions = std::move(permissions);
  row.livemode = livemode;
  row.created = now;
  row.expires_at = expires_at;
  return out;
}

void TokenService::Publish(const TokenRow& row, std::shared_ptr<const AccountInfo> account) {
  index_.Publish(row.key_hash, MakeRecord(row, std::move(account)));
  if (notifier_) notifier_->TokenChanged(row.key_hash);
}

Result<IssuedToken> TokenService::Create(const Principal& who, const CreateTokenParams& p) {
  if (Status st = Require(who, "tokens:write"); !st.ok()) return st.error();
  const int64_t now = clock_.NowUnix();

  if (p.name.empty() || p.name.size() > kMaxTokenNameLength) {
    return InvalidRequest("name must be 1 to 100 characters.", "name");
  }
  KeyType type = KeyType::kSecret;
  if (p.type) {
    auto parsed = ParseKeyType(*p.type);
    if (!parsed) return InvalidRequest("type must be secret, publishable or restricted.", "type");
    type = *parsed;
  }
  std::vector<std::string> permissions;
  if (type == KeyType::kRestricted) {
    if (!p.permissions || p.permissions->empty()) {
      return InvalidRequest("Restricted keys need at least one permission.", "permissions");
    }
    if (p.permissions->size() > kMaxPermissionsPerKey) {
      return InvalidRequest("A key may hold at most 100 permissions.", "permissions");
    }
    for (const std::string& perm : *p.permissions) {
      if (!IsValidPermission(perm)) {
        return InvalidRequest("Permissions are resource:action strings.", "permissions");
      }
    }
    permissions = *p.permissions;
    std::sort(permissions.begin(), permissions.end());
    permissions.erase(std::unique(permissions.begin(), permissions.end()), permissions.end());
  } else if (p.permissions && !p.permissions->empty()) {
    return InvalidRequest("Only restricted keys carry permissions.", "permissions");
  }
  if (p.expires_at && *p.expires_at <= now) {
    return InvalidRequest("expires_at must be in the future.", "expires_at");
  }
  auto metadata = MergeMetadata({}, p.metadata);
  if (!metadata.ok()) return metadata.error();
  auto allowlist = NormalizeAllowlist(p.ip_allowlist);
  if (!allowlist.ok()) return allowlist.error();

  bool livemode = true;
  if (who.kind == Principal::Kind::kKey) {
    const KeyRecord& key = *who.key;
    livemode = p.livemode.value_or(key.livemode);
    if (livemode && !key.livemode) {
      return Forbidden("A test-mode key may create only test-mode keys.");
    }
    if (key.type == KeyType::kRestricted) {
      if (type != KeyType::kRestricted) {
        return Forbidden("A restricted key may create only restricted keys.");
      }
      for (const std::string& perm : permissions) {
        if (!CanDelegate(key.permissions, perm)) {
          return Forbidden("A key may not grant the permission " + perm + " it does not hold.");
        }
      }
    }
  } else {
    livemode = p.livemode.value_or(true);
  }

  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  if (Status st = CheckWritable(); !st.ok()) return st.error();
  IssuedToken issued =
      Mint((*account)->id, p.name, type, std::move(permissions), livemode, p.expires_at, now);
  issued.row.metadata = std::move(*metadata);
  issued.row.ip_allowlist = std::move(*allowlist);
  EventFor<TokenRow> event;
  if (p.record_event) event = TokenEvent("token.created", who, clock_);
  if (Status st = store_.InsertToken(issued.row, event); !st.ok()) return st.error();
  Publish(issued.row, *account);
  return issued;
}

Result<IssuedAccessToken> TokenService::MintAccessToken(const Principal& who,
                                                        int64_t expiry_minutes) {
  if (who.kind != Principal::Kind::kKey) {
    return Forbidden("Access tokens are minted with one of the account's keys.");
  }
  if (Status st = Require(who, "tokens:write"); !st.ok()) return st.error();
  if (who.key->sandbox) return Forbidden("The sandbox key cannot mint access tokens.");
  if (expiry_minutes < 1 || expiry_minutes > kMaxAccessTokenMinutes) {
    return InvalidRequest("expiry_minutes must be an integer from 1 to 60.", "expiry_minutes");
  }
  if (Status st = CheckWritable(); !st.ok()) return st.error();
  const KeyRecord& parent = *who.key;
  auto parent_row = store_.GetToken(parent.account->id, parent.token_id());
  if (!parent_row.ok()) return parent_row.error();
  if (!parent_row->has_value()) return Forbidden("The key minting this token is not valid.");

  const int64_t now = clock_.NowUnix();
  IssuedAccessToken issued{format_.GenerateAccessToken(), now + expiry_minutes * 60};
  AccessTokenRow row;
  row.token_hash = Sha256(issued.token);
  row.parent_id = std::string(parent.token_id());
  row.parent_hash = (*parent_row)->key_hash;
  row.account_id = parent.account->id;
  row.created = now;
  row.expires_at = issued.expires_at;
  if (Status st = store_.InsertAccessToken(row); !st.ok()) return st.error();
  index_.Publish(row.token_hash, MakeAccessRecord(row, parent));
  return issued;
}

Result<IssuedAccessToken> TokenService::MintAccessTokenFor(const Principal& session,
                                                           std::string_view parent_id,
                                                           int64_t expiry_minutes) {
  if (session.kind != Principal::Kind::kSession) {
    return Forbidden("Only dashboard sessions name the parent key.");
  }
  Error no_parent =
      InvalidRequest("parent must be the id of one of the account's active keys.", "parent");
  if (!IsValidId(parent_id, kTokenIdPrefix)) return no_parent;
  auto row = store_.GetToken(session.account_id, parent_id);
  if (!row.ok()) return row.error();
  if (!*row || (*row)->StatusAt(clock_.NowUnix()) != TokenStatus::kActive) return no_parent;
  KeyRecordPtr record = index_.Find((*row)->key_hash);
  if (!record) return no_parent;
  return MintAccessToken(Principal::OfKey(std::move(record)), expiry_minutes);
}

Result<std::optional<int64_t>> TokenService::CheckAccessToken(const Principal& who,
                                                              std::string_view token) {
  auto parsed = format_.Parse(token);
  if (!parsed || parsed->kind != CredentialKind::kAccessToken) return std::optional<int64_t>();
  auto record = verifier_.Identify(token);
  if (!record.ok()) {
    if (record.error().code() == ErrorCode::kUnavailable) return record.error();
    return std::optional<int64_t>();
  }
  const KeyRecord& rec = **record;
  if (!(who.is_admin() && who.account_id.empty()) && rec.account->id != who.account_id) {
    return std::optional<int64_t>();  // another account's token is as good as unknown
  }
  return std::optional<int64_t>(rec.expires_at);
}

Result<Page<TokenRow>> TokenService::List(const Principal& who, TokenFilter filter,
                                          const ListOptions& options) {
  if (Status st = Require(who, "tokens:read"); !st.ok()) return st.error();
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  return store_.ListTokens((*account)->id, filter, clock_.NowUnix(), options);
}

Result<TokenRow> TokenService::Get(const Principal& who, std::string_view id) {
  if (Status st = Require(who, "tokens:read"); !st.ok()) return st.error();
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  if (!IsValidId(id, kTokenIdPrefix)) return NotFound();
  auto row = store_.GetToken((*account)->id, id);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return NotFound();
  return std::move(**row);
}

Result<TokenRow> TokenService::Revoke(const Principal& who, std::string_view id) {
  if (Status st = Require(who, "tokens:write"); !st.ok()) return st.error();
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  if (!IsValidId(id, kTokenIdPrefix)) return NotFound();
  if (Status st = CheckWritable(); !st.ok()) return st.error();
  auto row = store_.RevokeToken((*account)->id, id, clock_.NowUnix(),
                                TokenEvent("token.revoked", who, clock_));
  if (!row.ok()) return row.error();
  if (!row->has_value()) return NotFound();
  Publish(**row, *account);
  return std::move(**row);
}

Result<TokenRow> TokenService::RevokeRecording(const std::string& account_id, std::string_view id,
                                               const EventFor<TokenRow>& event) {
  auto account = accounts_.Get(account_id);
  if (!account.ok()) return account.error();
  if (!*account) return NotFound();
  if (Status st = CheckWritable(); !st.ok()) return st.error();
  auto row = store_.RevokeToken(account_id, id, clock_.NowUnix(), event);
  if (!row.ok()) return row.error();
  if (!row->has_value()) return NotFound();
  Publish(**row, *account);
  return std::move(**row);
}

Result<IssuedToken> TokenService::Roll(const Principal& who, std::string_view id,
                                       int64_t grace_seconds) {
  if (Status st = Require(who, "tokens:write"); !st.ok()) return st.error();
  if (grace_seconds < 0 || grace_seconds > kMaxRollGraceSeconds) {
    return InvalidRequest("expires_in_seconds must be between 0 and 604800.", "expires_in_seconds");
  }
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  if (!IsValidId(id, kTokenIdPrefix)) return NotFound();
  auto old = store_.GetToken((*account)->id, id);
  if (!old.ok()) return old.error();
  if (!old->has_value() || (*old)->revoked_at) return NotFound();
  const TokenRow& prev = **old;
  if (who.kind == Principal::Kind::kKey && who.key->type == KeyType::kRestricted) {
    if (prev.type != KeyType::kRestricted) {
      return Forbidden("A restricted key may roll only restricted keys.");
    }
    for (const std::string& perm : prev.permissions) {
      if (!CanDelegate(who.key->permissions, perm)) {
        return Forbidden("A key may not grant the permission " + perm + " it does not hold.");
      }
    }
  }
  if (who.kind == Principal::Kind::kKey && prev.livemode && !who.key->livemode) {
    return Forbidden("A test-mode key may not roll a live-mode key.");
  }

  if (Status st = CheckWritable(); !st.ok()) return st.error();
  const int64_t now = clock_.NowUnix();
  IssuedToken issued = Mint(prev.account_id, prev.name, prev.type, prev.permissions, prev.livemode,
                            prev.expires_at, now);
  issued.row.metadata = prev.metadata;  // the replacement keeps the key's metadata and fence
  issued.row.ip_allowlist = prev.ip_allowlist;
  std::optional<int64_t> old_expiry;
  if (grace_seconds > 0) old_expiry = now + grace_seconds;
  auto ended = store_.RollToken(prev.account_id, prev.id, issued.row, old_expiry, now,
                                RolledEvent(who, clock_));
  if (!ended.ok()) return ended.error();
  if (!ended->has_value()) return NotFound();
  Publish(issued.row, *account);
  Publish(**ended, *account);
  return issued;
}

}  // namespace keyward
