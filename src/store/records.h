// The rows keyward keeps: accounts, API keys ("tokens"), admin keys. Plain values shared by the
// Store implementations and the service layer. No behaviour beyond small derived properties.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/key_format.h"
#include "core/metadata.h"
#include "core/sha256.h"

namespace keyward {

struct AccountRow {
  std::string id;     // acct_...
  std::string email;  // unique (case-insensitive), may be empty for API-made accounts
  std::string name;
  std::optional<int64_t> credits;  // balance; nullopt = unlimited
  int64_t credits_used = 0;
  std::string plan = "default";
  std::string password_hash;  // Argon2id encoded string, empty when none
  int64_t created = 0;        // Unix seconds
  // Runtime control (API.md 11.3).
  Metadata metadata;
  std::optional<std::string> rate_limit;          // per-key limit override ("N/min"); none: plan's
  std::optional<std::string> account_rate_limit;  // per-account limit override; none: plan's
  std::optional<int64_t> disabled_at;             // set while the account is disabled
  int64_t change_seq = 0;  // set by the store on every update (UpdateAccount's optimistic check)
};

enum class TokenStatus { kActive, kRevoked, kExpired, kDisabled };
// "active", "revoked", "expired", "disabled"
std::string_view TokenStatusName(TokenStatus s);

struct TokenRow {
  std::string id;  // tok_...
  std::string account_id;
  std::string name;
  KeyType type = KeyType::kSecret;
  Digest key_hash{};       // SHA-256 of the full key; unique
  std::string key_prefix;  // display prefix
  std::string last4;
  std::vector<std::string> permissions;
  bool livemode = true;
  int64_t created = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
  std::optional<int64_t> last_used_at;
  // Runtime control (API.md 11.1).
  Metadata metadata;
  std::vector<std::string> ip_allowlist;  // normalised CIDRs (core/ip_allowlist.h); empty: any
  std::optional<int64_t> disabled_at;     // set while the token is disabled
  // Imported from another system (API.md 11.4): its key need not be in keyward's format, and
  // key_prefix / last4 are empty when the import did not give them.
  bool imported = false;
  int64_t change_seq = 0;  // set by the store on every change (read-only for writers)

  // Revoked wins over expired, expired over disabled.
  TokenStatus StatusAt(int64_t now_unix) const;
};

struct AdminKeyRow {
  std::string id;  // adm_...
  std::string name;
  Digest key_hash{};
  std::string key_prefix;
  std::string last4;
  int64_t created = 0;
  std::optional<int64_t> revoked_at;
};

// A short-lived access token (API.md 3). Only its hash is kept; it carries its parent key's
// account, mode and permissions, and dies with the parent.
struct AccessTokenRow {
  Digest token_hash{};
  std::string parent_id;  // tok_... of the key that minted it
  Digest parent_hash{};   // that key's hash, to find the parent's live record
  std::string account_id;
  int64_t created = 0;
  int64_t expires_at = 0;  // Unix seconds
};

// An Idempotency-Key's record (API.md 1.4): claimed while the first request runs, then holding
// its response for replays. `scope` is who sent it (an account, or an admin acting for one).
struct IdempotencyRecord {
  std::string scope;
  std::string key;
  Digest fingerprint{};  // SHA-256 over method, path and body
  bool done = false;     // false while the first request runs
  int status = 0;        // when done
  std::string body;      // when done
  int64_t created = 0;   // Unix seconds of the claim
};

struct IdempotencyClaim {
  bool claimed = false;  // ours to run; otherwise `existing` says what is there
  std::optional<IdempotencyRecord> existing;
};

// One page of a newest-first list.
template <class T>
struct Page {
  std::vector<T> items;
  bool has_more = false;
};

// The operator console's view of an account (API.md 16): the account, how many of its keys are not
// revoked, and when one of them was last used (as the store has it: trails by one usage flush).
struct AccountSummary {
  AccountRow account;
  int64_t keys = 0;
  std::optional<int64_t> last_used_at;
};

// What the console's account search matches: every field given must match ("" = any).
struct AccountSearch {
  std::string email_contains;  // case-insensitive substring of the email
  std::string plan;            // exact plan name
};

// Credits charged on the request path, written in batches off it: subtracts from the balance
// (never below zero; an unlimited balance stays unlimited) and adds to credits_used.
struct AccountUsage {
  std::string account_id;
  int64_t used = 0;
};

// last_used_at updates, written in batches off the request path.
struct TokenUsage {
  std::string token_id;
  int64_t last_used_at = 0;
};

// Usage counts (API.md 12): verifications by outcome, and the credits they were charged.
struct UsageCounts {
  int64_t valid = 0;
  int64_t rate_limited = 0;
  int64_t quota_exceeded = 0;
  int64_t forbidden = 0;  // FORBIDDEN and TOKEN_EXPIRED
  int64_t unauthorized = 0;
  int64_t credits = 0;

  bool empty() const {
    return valid == 0 && rate_limited == 0 && quota_exceeded == 0 && forbidden == 0 &&
           unauthorized == 0 && credits == 0;
  }
  UsageCounts& operator+=(const UsageCounts& o) {
    valid += o.valid;
    rate_limited += o.rate_limited;
    quota_exceeded += o.quota_exceeded;
    forbidden += o.forbidden;
    unauthorized += o.unauthorized;
    credits += o.credits;
    return *this;
  }
  bool operator==(const UsageCounts&) const = default;
};

// One bucket of usage: whose (`owner`: a token id, an account id, or "*" for the whole service),
// how long (`granularity` in seconds: 60, 3600 or 86400) and from when (`start`, a multiple of
// the granularity, Unix seconds). As a write (Store::AddUsage) the counts are deltas.
struct UsageRow {
  std::string owner;
  int64_t granularity = 60;
  int64_t start = 0;
  UsageCounts counts;
};

// A dashboard session (API.md 8): the cookie carries a random secret; only its SHA-256 is kept.
// Exactly one of account_id and operator_id is set: a customer's session or an operator's.
struct SessionRow {
  Digest secret_hash{};
  std::string account_id;   // acct_... of the signed-in customer, or empty
  std::string operator_id;  // op_... of the signed-in operator (API.md 16), or empty
  int64_t created = 0;      // Unix seconds
  int64_t expires_at = 0;   // Unix seconds; a session is valid while now < expires_at
};

// Where an agent sign-in request (API.md 8) stands in the store. "expired" is not stored: a request
// older than its lifetime is expired whatever it says, and a consumed one (its key handed out) is
// reported as expired too.
enum class AgentAuthStatus { kPending, kApproved, kDenied, kConsumed };
std::string_view AgentAuthStatusName(AgentAuthStatus s);  // "pending", "approved", ...
std::optional<AgentAuthStatus> ParseAgentAuthStatus(std::string_view name);

// An agent sign-in request. Only the SHA-256 of the agent's token is kept; never a key.
struct AgentAuthRow {
  Digest token_hash{};
  AgentAuthStatus status = AgentAuthStatus::kPending;
  std::string account_id;   // who approved or denied; empty while pending
  std::string client_name;  // as shown to the person
  std::string token_id;     // tok_... of the key made on approval; empty otherwise
  int64_t created = 0;      // Unix seconds the server first saw the token
  std::optional<int64_t> decided_at;
};

// An operator (API.md 16): a person who runs keyward, not a customer. Made by the CLI with a
// one-time set-up link; the link's token is kept as its SHA-256 only and cleared once used.
struct OperatorRow {
  std::string id;                           // op_...
  std::string email;                        // folded to lower case; unique among operators
  std::string password_hash;                // Argon2id; empty until the set-up link is used
  std::optional<Digest> setup_hash;         // SHA-256 of the live set-up token, if any
  std::optional<int64_t> setup_expires_at;  // Unix seconds; the link works while now < this
  int64_t created = 0;
};

}  // namespace keyward
