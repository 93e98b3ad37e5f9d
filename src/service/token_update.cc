// TokenService: partial update, disable and enable of API keys (API.md 11.1, 11.5). Each change is
// a read, a check against the row as it is, and a write that only lands if the row did not move
// in between (Store::UpdateToken's change-sequence check); then the new record is published here
// and announced to the other nodes.
#include <algorithm>

#include "core/ids.h"
#include "core/ip_allowlist.h"
#include "core/permissions.h"
#include "service/event_builder.h"
#include "service/objects.h"
#include "service/token_service.h"

namespace keyward {
namespace {

constexpr int kChangeAttempts = 5;

Error TokenNotFound() {
  return Error(ErrorCode::kNotFound, "No such token.");
}

}  // namespace

Status TokenService::MayChange(const Principal& who, const TokenRow& prev) const {
  if (who.kind != Principal::Kind::kKey) return Status::Ok();
  const KeyRecord& key = *who.key;
  if (prev.livemode && !key.livemode) {
    return Error(ErrorCode::kForbidden, "A test-mode key may not change a live-mode key.");
  }
  if (key.type == KeyType::kRestricted) {
    if (prev.type != KeyType::kRestricted) {
      return Error(ErrorCode::kForbidden, "A restricted key may change only restricted keys.");
    }
    for (const std::string& perm : prev.permissions) {
      if (!CanDelegate(key.permissions, perm)) {
        return Error(ErrorCode::kForbidden, "A key may not change a key holding the permission " +
                                                perm + " it does not hold.");
      }
    }
  }
  return Status::Ok();
}

Result<TokenRow> TokenService::Change(const Principal& who, std::string_view id,
                                      std::string_view event_type,
                                      const std::function<Status(TokenRow&)>& change) {
  if (Status st = Require(who, "tokens:write"); !st.ok()) return st.error();
  auto account = ActingAccount(who);
  if (!account.ok()) return account.error();
  if (!IsValidId(id, kTokenIdPrefix)) return TokenNotFound();
  for (int attempt = 0; attempt < kChangeAttempts; ++attempt) {
    auto current = store_.GetToken((*account)->id, id);
    if (!current.ok()) return current.error();
    if (!current->has_value()) return TokenNotFound();
    if (Status st = MayChange(who, **current); !st.ok()) return st.error();
    TokenRow next = **current;
    if (Status st = change(next); !st.ok()) return st.error();
    const int64_t now = clock_.NowUnix();
    if (TokenObject(next, now) == TokenObject(**current, now)) return std::move(**current);
    if (Status st = CheckWritable(); !st.ok()) return st.error();
    auto written = store_.UpdateToken(next, TokenEvent(event_type, who, clock_));
    if (!written.ok()) return written.error();
    if (!written->has_value()) continue;  // changed meanwhile (or gone): read again
    Publish(**written, *account);
    return std::move(**written);
  }
  return Error(ErrorCode::kUnavailable, "The token is being changed concurrently; try again.");
}

Result<TokenRow> TokenService::Update(const Principal& who, std::string_view id,
                                      const UpdateTokenParams& p) {
  // What does not depend on the stored row is checked before reading it.
  if (p.name && (p.name->empty() || p.name->size() > kMaxTokenNameLength)) {
    return InvalidRequest("name must be 1 to 100 characters.", "name");
  }
  const int64_t now = clock_.NowUnix();
  if (p.set_expires_at && p.expires_at && *p.expires_at <= now) {
    return InvalidRequest("expires_at must be in the future.", "expires_at");
  }
  std::vector<std::string> allowlist;
  if (p.set_ip_allowlist) {
    auto normalised = NormalizeAllowlist(p.ip_allowlist);
    if (!normalised.ok()) return normalised.error();
    allowlist = std::move(*normalised);
  }
  std::vector<std::string> permissions;
  if (p.permissions) {
    if (p.permissions->empty()) {
      return InvalidRequest("Restricted keys need at least one permission.", "permissions");
    }
    if (p.permissions->size() > kMaxPermissionsPerKey) {
      return InvalidRequest("A key may hold at most 100 permissions.", "permissions");
    }
    for (const std::string& perm : *p.permissions) {
      if (!IsValidPermission(perm)) {
        return InvalidRequest("Permissions are resource:action strings.", "permissions");
      }
      if (who.kind == Principal::Kind::kKey && who.key->type == KeyType::kRestricted &&
          !CanDelegate(who.key->permissions, perm)) {
        return Error(ErrorCode::kForbidden,
                     "A key may not grant the permission " + perm + " it does not hold.");
      }
    }
    permissions = *p.permissions;
    std::sort(permissions.begin(), permissions.end());
    permissions.erase(std::unique(permissions.begin(), permissions.end()), permissions.end());
  }
  return Change(who, id, "token.updated", [&](TokenRow& row) -> Status {
    if (p.name) row.name = *p.name;
    if (p.clear_metadata || !p.metadata.empty()) {
      auto merged = MergeMetadata(p.clear_metadata ? Metadata{} : row.metadata, p.metadata);
      if (!merged.ok()) return merged.error();
      row.metadata = std::move(*merged);
    }
    if (p.set_expires_at) {
      // An expired key stays expired, as a revoked one stays revoked (it cannot be enabled).
      if (row.revoked_at || (row.expires_at && *row.expires_at <= now)) {
        return InvalidRequest("A revoked or expired token's expiry cannot be changed.",
                              "expires_at");
      }
      row.expires_at = p.expires_at;
    }
    if (p.set_ip_allowlist) row.ip_allowlist = allowlist;
    if (p.permissions) {
      if (row.type != KeyType::kRestricted) {
        return InvalidRequest("Only restricted keys carry permissions.", "permissions");
      }
      row.permissions = permissions;
    }
    return Status::Ok();
  });
}

Result<TokenRow> TokenService::SetDisabled(const Principal& who, std::string_view id,
                                           bool disabled) {
  const int64_t now = clock_.NowUnix();
  std::optional<TokenRow> unchanged;
  auto changed =
      Change(who, id, disabled ? "token.disabled" : "token.enabled", [&](TokenRow& row) -> Status {
        if (row.revoked_at) {
          return InvalidRequest(disabled ? "A revoked token cannot be disabled."
                                         : "A revoked token cannot be enabled.");
        }
        if (!disabled && row.expires_at && *row.expires_at <= now) {
          return InvalidRequest("An expired token cannot be enabled.");
        }
        if (row.disabled_at.has_value() == disabled) {
          unchanged = row;  // nothing to do: answer with the row as it is
          return Error(ErrorCode::kNotFound, "");
        }
        row.disabled_at = disabled ? std::optional<int64_t>(now) : std::nullopt;
        return Status::Ok();
      });
  if (!changed.ok() && unchanged) return std::move(*unchanged);
  return changed;
}

}  // namespace keyward
