// What the hot path knows about a credential: an immutable record published in the KeyIndex.
// A change (revoke, roll, update, disable) publishes a new record; readers holding the old one
// finish with it. Only `last_used_sec` mutates (an atomic used to coalesce last_used_at updates).
// AccountInfo is the one mutable exception: there is one per account, shared by all its records,
// and an account change (plan, overrides, disable) updates it in place through atomics, so every
// record of the account sees it at once without being republished.
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

#include "core/cidr.h"
#include "core/key_format.h"
#include "core/rate_spec.h"
#include "store/records.h"

namespace keyward {

// Per-account facts the hot path needs; one per account, shared by all of the account's records.
// The limits and the disabled flag change in place (atomics, each limit packed in one word so a
// reader never sees half of a change). Thread-safe.
class AccountInfo {
 public:
  AccountInfo() = default;
  explicit AccountInfo(std::string account_id) : id(std::move(account_id)) {}

  std::string id;  // set before the info is shared; never changed after

  RateSpec per_key_limit() const { return Unpack(per_key_.load(std::memory_order_acquire)); }
  // One budget over every key of the account (API.md 11.2), or nullopt.
  std::optional<RateSpec> account_limit() const {
    const uint64_t packed = per_account_.load(std::memory_order_acquire);
    if (packed == 0) return std::nullopt;
    return Unpack(packed);
  }
  bool disabled() const { return disabled_.load(std::memory_order_acquire); }

  void Set(const RateSpec& per_key, std::optional<RateSpec> per_account, bool disabled) const {
    per_key_.store(Pack(per_key), std::memory_order_release);
    per_account_.store(per_account ? Pack(*per_account) : 0, std::memory_order_release);
    disabled_.store(disabled, std::memory_order_release);
  }

 private:
  // limit ≤ 1e9 < 2^32 and window ≤ 86400 < 2^32 (core/rate_spec.h).
  static uint64_t Pack(const RateSpec& r) {
    return (static_cast<uint64_t>(r.limit) << 32) | static_cast<uint64_t>(r.window_seconds);
  }
  static RateSpec Unpack(uint64_t p) {
    return RateSpec{static_cast<int64_t>(p >> 32), static_cast<int64_t>(p & 0xFFFFFFFFu)};
  }
  mutable std::atomic<uint64_t> per_key_{0};
  mutable std::atomic<uint64_t> per_account_{0};
  mutable std::atomic<bool> disabled_{false};
};

// What a key carries beyond the common fields, when it carries anything (most keys do not: a key
// without metadata and allowlist costs one null pointer in its record).
struct KeyExtras {
  std::string metadata_json;    // compact ASCII JSON (core/metadata.h); empty when no metadata
  std::vector<Cidr> allowlist;  // the ranges of the token's ip_allowlist
  bool fenced = false;          // the token has an allowlist (fail closed even if none parsed)
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
  bool disabled = false;                          // POST /v1/tokens/:id/disable (API.md 11.1)
  bool sandbox = false;                           // the shared sandbox key (API.md 6)
  std::shared_ptr<const AccessTokenInfo> access;  // set for access tokens
  std::optional<int64_t> expires_at;
  std::vector<std::string> permissions;
  std::shared_ptr<const KeyExtras> extras;  // null when none (an access token: its parent's own)
  int64_t version = 0;  // the store's change sequence of the row it was built from (0: unknown)
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

// The extras of a row, or null when it has neither metadata nor an allowlist.
std::shared_ptr<const KeyExtras> MakeExtras(const TokenRow& row);
// The record published in the index for a stored API key of `account` (key_record.cc).
KeyRecordPtr MakeRecord(const TokenRow& row, std::shared_ptr<const AccountInfo> account);
// An access token's record, from its row and its parent key's record: the parent's account, type,
// mode and permissions, the token's own expiry and rate-limit bucket ("at:<hash prefix>").
KeyRecordPtr MakeAccessRecord(const AccessTokenRow& row, const KeyRecord& parent);

}  // namespace keyward
