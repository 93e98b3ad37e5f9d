// What the hot path knows about a credential: an immutable record published in the KeyIndex.
// A change (revoke, roll) publishes a new record; readers holding the old one finish with it.
// Only `last_used_sec` mutates (an atomic used to coalesce last_used_at updates).
// The factories below build records from store rows (pure; thread-safe).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/key_format.h"
#include "core/rate_spec.h"
#include "store/records.h"

namespace keyward {

// Per-account facts the hot path needs; shared by all of the account's records.
struct AccountInfo {
  std::string id;
  std::string plan;
  RateSpec per_key_limit;
};

// What an access-token record adds: its parent key (found by hash, so that revoking or expiring
// the parent kills the token at once) and its own rate-limit bucket.
struct AccessTokenInfo {
  Digest parent_hash{};
  std::string bucket;  // "at:" + hex of the token's digest prefix
};

struct KeyRecord {
  std::shared_ptr<const AccountInfo> account;
  CredentialKind kind = CredentialKind::kApiKey;
  KeyType type = KeyType::kSecret;
  bool livemode = true;
  bool revoked = false;
  bool sandbox = false;                           // the shared sandbox key (API.md 6)
  std::shared_ptr<const AccessTokenInfo> access;  // set for access tokens
  std::optional<int64_t> expires_at;
  std::vector<std::string> permissions;
  mutable std::atomic<int64_t> last_used_sec{0};

  // The per-key rate-limit bucket: the token id for keys, the token's own bucket for access
  // tokens (each frontend token is limited on its own). The sandbox is limited per client IP.
  std::string_view bucket() const { return access ? std::string_view(access->bucket) : token_id(); }

  // The token id ("tok_" + 24 base62), kept inline: a million records, no heap string each.
  // For an access token: its parent key's id.
  std::string_view token_id() const { return std::string_view(id_.data(), id_len_); }
  void set_token_id(std::string_view id) {
    id_len_ = static_cast<uint8_t>(std::min(id.size(), id_.size()));
    std::copy_n(id.data(), id_len_, id_.data());
  }

  TokenStatus StatusAt(int64_t now_unix) const {
    if (revoked) return TokenStatus::kRevoked;
    if (expires_at && *expires_at <= now_unix) return TokenStatus::kExpired;
    return TokenStatus::kActive;
  }

 private:
  std::array<char, 32> id_{};
  uint8_t id_len_ = 0;
};

using KeyRecordPtr = std::shared_ptr<const KeyRecord>;

// The record published in the index for a stored API key of `account` (key_record.cc).
KeyRecordPtr MakeRecord(const TokenRow& row, std::shared_ptr<const AccountInfo> account);
// An access token's record, from its row and its parent key's record: the parent's account, type,
// mode and permissions, the token's own expiry and rate-limit bucket ("at:<hash prefix>").
KeyRecordPtr MakeAccessRecord(const AccessTokenRow& row, const KeyRecord& parent);

}  // namespace keyward
