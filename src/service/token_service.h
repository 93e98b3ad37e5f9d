// The lifecycle of API keys (API.md 2.4): create, list, retrieve, revoke, roll — with the rules of
// who may do what. Each write records its event (token.created, .revoked, .rolled: API.md 13) in
// its own transaction, naming the Principal as the actor. Writes commit to the Store first, then
// publish to the KeyIndex, then return, so a revoked key is refused from the next request on.
// Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/key_format.h"
#include "core/metadata.h"
#include "core/status.h"
#include "service/account_directory.h"
#include "service/change_feed.h"
#include "service/key_index.h"
#include "service/principal.h"
#include "service/settings.h"
#include "service/verifier.h"
#include "store/store.h"

namespace keyward {

struct CreateTokenParams {
  std::string name;
  std::optional<std::string> type;  // default "secret"
  std::optional<std::vector<std::string>> permissions;
  std::optional<int64_t> expires_at;  // absent or null: never
  std::optional<bool> livemode;
  // False when the action that creates the key records its own event instead of token.created
  // (an agent approval records agent_auth.approved with the new key).
  bool record_event = true;
  MetadataPatch metadata;                 // API.md 11.1
  std::vector<std::string> ip_allowlist;  // normalised by Create
};

// POST /v1/tokens/:id (API.md 11.1): a Stripe-style partial update; absent fields stay as they are.
struct UpdateTokenParams {
  std::optional<std::string> name;
  bool clear_metadata = false;  // "metadata": null — applied before `metadata`
  MetadataPatch metadata;       // keys to set, or to remove ("" / null)
  bool set_expires_at = false;  // "expires_at" was given (value or null)
  std::optional<int64_t> expires_at;
  bool set_ip_allowlist = false;  // "ip_allowlist" was given (null or [] = none)
  std::vector<std::string> ip_allowlist;
  std::optional<std::vector<std::string>> permissions;  // restricted keys only
};

// One key of POST /v1/tokens/import (API.md 11.4, 11.5): exactly one of `sha256` and `key`.
struct ImportKeyParams {
  std::optional<std::string> sha256;  // 64 hex characters: the SHA-256 of the key
  std::optional<std::string> key;     // the plaintext, hashed at once and never kept
  std::string name;
  std::optional<std::string> type;  // default "secret" (a keyward-format key: its own type)
  std::optional<std::vector<std::string>> permissions;
  std::optional<int64_t> expires_at;
  std::optional<bool> livemode;  // default true (a keyward-format key: its own mode)
  MetadataPatch metadata;
  std::vector<std::string> ip_allowlist;
  std::optional<std::string> key_prefix;  // shown for display; null when not given
  std::optional<std::string> last4;
};

inline constexpr size_t kMaxImportKeys = 1000;
inline constexpr size_t kMaxImportedPrefixLength = 32;

struct IssuedToken {
  TokenRow row;
  std::string key;  // the plaintext key, shown once
};

struct IssuedAccessToken {
  std::string token;   // at_..., shown once
  int64_t expires_at;  // Unix seconds
};

inline constexpr size_t kMaxTokenNameLength = 100;
inline constexpr int64_t kMaxAccessTokenMinutes = 60;
inline constexpr int64_t kMaxRollGraceSeconds = 604800;

class TokenService {
 public:
  TokenService(Store& store, KeyIndex& index, AccountDirectory& accounts, Verifier& verifier,
               const ServiceSettings& settings, const KeyFormat& format, const Clock& clock);

  // Errors: kInvalidRequest (with param), kForbidden (type/permission/mode rules),
  // kNotFound (no such account for an admin), kUnavailable / kInternalError (store).
  Result<IssuedToken> Create(const Principal& who, const CreateTokenParams& params);
  Result<Page<TokenRow>> List(const Principal& who, TokenFilter filter, const ListOptions& options);
  Result<TokenRow> Get(const Principal& who, std::string_view id);
  Result<TokenRow> Revoke(const Principal& who, std::string_view id);
  Result<IssuedToken> Roll(const Principal& who, std::string_view id, int64_t grace_seconds);
  // Revokes key `id` of `account_id` now on behalf of the system, recording `event` instead of
  // token.revoked (a leak report records token.leaked). kNotFound when there is no such token.
  Result<TokenRow> RevokeRecording(const std::string& account_id, std::string_view id,
                                   const EventFor<TokenRow>& event);
  // Partial update (token_update.cc). kInvalidRequest (with param) for bad input, nothing changed;
  // kForbidden for an escalation; kNotFound for no such token.
  Result<TokenRow> Update(const Principal& who, std::string_view id, const UpdateTokenParams& p);
  // Disable / enable (API.md 11.1). Disabling a revoked token, or enabling a revoked or expired
  // one, is kInvalidRequest saying why. Doing either twice is no error (the row as it is).
  Result<TokenRow> SetDisabled(const Principal& who, std::string_view id, bool disabled);

  // Imports keys from another system (token_import.cc; API.md 11.4): admins only (kForbidden
  // otherwise), on the account named by Keyward-Account; 1..kMaxImportKeys keys, all or nothing.
  // Bad input → kInvalidRequest with param "keys[i].field" and nothing stored; a hash given twice
  // or already stored → param "keys[i].sha256" (the later occurrence). Records token.imported per
  // key in the same transaction; from then on this node — and, through the change feed, every
  // node — accepts foreign-format keys (KeyIndex::AcceptForeign).
  Result<std::vector<TokenRow>> Import(const Principal& who,
                                       const std::vector<ImportKeyParams>& keys);

  // Access tokens (API.md 3). Minting needs a secret key, or a restricted one with tokens:write;
  // anything else (admin keys included: a token needs a parent key) is kForbidden.
  Result<IssuedAccessToken> MintAccessToken(const Principal& who, int64_t expiry_minutes);
  // A dashboard session mints with one of its account's keys, named by id (`parent_id`): a live
  // secret key, or a restricted one with tokens:write. kInvalidRequest (param parent) when there is
  // no such live key on the account; otherwise as MintAccessToken.
  Result<IssuedAccessToken> MintAccessTokenFor(const Principal& session, std::string_view parent_id,
                                               int64_t expiry_minutes);
  // The token's expiry when it is live and belongs to the caller's account (any account for an
  // admin key without Keyward-Account); nullopt otherwise. Errors only for store failures.
  Result<std::optional<int64_t>> CheckAccessToken(const Principal& who, std::string_view token);

  // With several nodes: writes first ask `notifier` whether they may run (kUnavailable when not,
  // before touching the store), and tell it about each committed token change. Set once, before
  // serving; nullptr (the default) for one node.
  void set_notifier(ChangeNotifier* notifier) { notifier_ = notifier; }

 private:
  Status Require(const Principal& who, std::string_view permission) const;
  Result<std::shared_ptr<const AccountInfo>> ActingAccount(const Principal& who);
  IssuedToken Mint(const std::string& account_id, std::string name, KeyType type,
                   std::vector<std::string> permissions, bool livemode,
                   std::optional<int64_t> expires_at, int64_t now) const;
  void Publish(const TokenRow& row, std::shared_ptr<const AccountInfo> account);
  // Who may change token `prev` at all (a restricted key: only restricted keys whose permissions
  // it holds; a test-mode key: only test-mode keys).
  Status MayChange(const Principal& who, const TokenRow& prev) const;
  // Read, `change` (which may refuse), write if the row did not move meanwhile; retried a few
  // times when it did. The write records event `event_type` (API.md 13) in its transaction; a
  // change that alters nothing the API shows writes nothing and records nothing. The result is
  // published and announced.
  Result<TokenRow> Change(const Principal& who, std::string_view id, std::string_view event_type,
                          const std::function<Status(TokenRow&)>& change);
  // One key of Import, validated into `row` (account, id and created already set).
  Status ImportRow(const ImportKeyParams& p, int64_t now, TokenRow* row) const;
  Status CheckWritable() { return notifier_ ? notifier_->CheckWritable() : Status::Ok(); }
  ChangeNotifier* notifier_ = nullptr;

  Store& store_;
  KeyIndex& index_;
  AccountDirectory& accounts_;
  Verifier& verifier_;
  const ServiceSettings& settings_;
  const KeyFormat& format_;
  const Clock& clock_;
};

}  // namespace keyward
