// The system of record: accounts, API keys and admin keys. One interface, implemented once in SQL
// (sql/sql_store.h) over SQLite and PostgreSQL — both pass the same conformance suite
// (store_conformance_test.cc).
//
// Thread-safety: every method may be called from any thread concurrently. Writes are serialised by
// the implementation (SQLite: one writer connection) and are durable when the call returns OK.
// Failure: a Store returns Error kUnavailable when the backing database cannot be reached or is
// busy beyond its timeout, kInternalError for anything unexpected, and kInvalidRequest (with param)
// for a uniqueness violation a caller can fix (duplicate account email → param "email").
// "Not found" is not an error: lookups return an empty optional.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/change_feed.h"
#include "store/records.h"

namespace keyward {

struct ListOptions {
  int limit = 10;              // 1..100, validated by the caller
  std::string starting_after;  // an id from the previous page, or empty
};

// kActive: neither revoked, expired nor disabled; kDisabled: disabled and neither revoked nor
// expired (a token's status, API.md 11.5).
enum class TokenFilter { kAll, kActive, kRevoked, kExpired, kDisabled };

enum class AccountStatusFilter { kAny, kActive, kDisabled };
// GET /v1/accounts filters (API.md 11.3); empty strings do not filter.
struct AccountFilter {
  std::string email;  // exact, case-insensitive
  std::string plan;
  AccountStatusFilter status = AccountStatusFilter::kAny;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- accounts ---
  virtual Status CreateAccount(const AccountRow& account) = 0;
  virtual Result<std::optional<AccountRow>> GetAccount(std::string_view id) = 0;
  virtual Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) = 0;
  // Newest first, only those matching `filter`. An unknown `starting_after` → kInvalidRequest,
  // param "starting_after".
  virtual Result<Page<AccountRow>> ListAccounts(const ListOptions& options,
                                                const AccountFilter& filter = {}) = 0;
  // Adds `amount` (may be negative) to a limited balance, clamping at zero; an unlimited balance
  // stays unlimited. Returns the updated row, or nullopt when there is no such account.
  virtual Result<std::optional<AccountRow>> AddCredits(std::string_view id, int64_t amount) = 0;

  // Writes the fields an update may change (name, email, plan, metadata, rate_limit,
  // account_rate_limit, disabled_at) of the account `account.id`, only when its stored change
  // sequence is still `account.change_seq` (optimistic concurrency: a concurrent update makes
  // this write nothing and return nullopt — read again and retry; so does an unknown id). The row
  // returned carries a new change sequence, higher than every one given before. A duplicate email
  // → kInvalidRequest, param "email". Credit changes do not touch the change sequence.
  virtual Result<std::optional<AccountRow>> UpdateAccount(const AccountRow& account) = 0;
  // The highest account change sequence so far (0 for none).
  virtual Result<int64_t> AccountChangeCursor() = 0;
  // As ForEachTokenChangedAfter, for accounts changed by UpdateAccount.
  virtual Result<int64_t> ForEachAccountChangedAfter(
      int64_t after, size_t limit, const std::function<void(AccountRow&&)>& fn) = 0;

  // Applies charged credits in one transaction (see AccountUsage). Unknown accounts are ignored.
  virtual Status RecordCreditUsage(const std::vector<AccountUsage>& usage) = 0;

  // --- API keys ---
  // Fails with kInternalError on a duplicate id or hash (a CSPRNG collision: never expected).
  virtual Status InsertToken(const TokenRow& token) = 0;
  // The token with `id` on `account_id`; nullopt when it does not exist or belongs to another.
  virtual Result<std::optional<TokenRow>> GetToken(std::string_view account_id,
                                                   std::string_view id) = 0;
  virtual Result<std::optional<TokenRow>> FindTokenByHash(const Digest& key_hash) = 0;
  // The account's tokens, newest first; `now_unix` decides active/expired for the filter.
  virtual Result<Page<TokenRow>> ListTokens(std::string_view account_id, TokenFilter filter,
                                            int64_t now_unix, const ListOptions& options) = 0;
  // Sets revoked_at = now_unix unless already revoked (then unchanged). Returns the row after the
  // change, or nullopt when there is no such token on the account.
  virtual Result<std::optional<TokenRow>> RevokeToken(std::string_view account_id,
                                                      std::string_view id, int64_t now_unix) = 0;
  // In one transaction: insert `replacement`, and end the old token `old_id` on `account_id` —
  // revoked at now_unix when `old_expires_at` is nullopt, else its expires_at set to that value
  // (kept if the old expiry was already earlier). Returns the old row after the change, or nullopt
  // (and no write at all) when the old token does not exist on the account or is already revoked.
  virtual Result<std::optional<TokenRow>> RollToken(std::string_view account_id,
                                                    std::string_view old_id,
                                                    const TokenRow& replacement,
                                                    std::optional<int64_t> old_expires_at,
                                                    int64_t now_unix) = 0;
  // Inserts many tokens (bulk loads, benchmarks), all or nothing: on any failure none is kept.
  // The default is for backends without transactions; real ones override it.
  virtual Status InsertTokens(const std::vector<TokenRow>& tokens) {
    for (const TokenRow& t : tokens) {
      if (Status st = InsertToken(t); !st.ok()) return st;
    }
    return Status::Ok();
  }
  // Writes the fields an update may change (name, permissions, expires_at, metadata,
  // ip_allowlist, disabled_at) of token `token.id` on `token.account_id`, only when its stored
  // change sequence is still `token.change_seq` (optimistic concurrency, as UpdateAccount: nullopt
  // and no write when it moved or there is no such token). Returns the row after the change, with
  // its new change sequence.
  virtual Result<std::optional<TokenRow>> UpdateToken(const TokenRow& token) = 0;
  // Calls `fn` for every token that is not revoked (for loading the in-memory index), in any order.
  virtual Status ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) = 0;
  // Applies last_used_at updates in one transaction (never moving a value backwards).
  virtual Status RecordUsage(const std::vector<TokenUsage>& usage) = 0;

  // --- token changes, for several nodes sharing the store ---
  // Every write that creates or changes a token (InsertToken(s), RevokeToken, RollToken: both the
  // replacement and the old token) gives that token a new change sequence, higher than every one
  // given before; last_used_at updates do not. A change is visible to these calls once committed,
  // and committed changes never get a sequence below one already visible.
  // The highest change sequence so far (0 for none): where a freshly loaded node starts.
  virtual Result<int64_t> TokenChangeCursor() = 0;
  // Calls `fn` for at most `limit` tokens (revoked ones included) whose change sequence is above
  // `after`, in increasing order of it, and returns the highest sequence passed (`after` when
  // none). A token changed twice appears once, with its latest state.
  virtual Result<int64_t> ForEachTokenChangedAfter(int64_t after, size_t limit,
                                                   const std::function<void(TokenRow&&)>& fn) = 0;

  // --- access tokens ---
  // Fails with kInternalError on a duplicate hash or an unknown parent.
  virtual Status InsertAccessToken(const AccessTokenRow& token) = 0;
  virtual Result<std::optional<AccessTokenRow>> FindAccessTokenByHash(const Digest& hash) = 0;
  // Calls `fn` for every access token with expires_at > `after_unix` (for loading the index).
  virtual Status ForEachAccessToken(int64_t after_unix,
                                    const std::function<void(AccessTokenRow&&)>& fn) = 0;
  // Deletes access tokens with expires_at <= `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeAccessTokens(int64_t cutoff_unix) = 0;

  // --- idempotency ---
  // In one transaction: when (scope, key) has no record, or only a running one claimed before
  // `stale_before_unix` (its request died), stores `claim` (running) and returns claimed=true;
  // otherwise returns the record that is there.
  virtual Result<IdempotencyClaim> ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                                       int64_t stale_before_unix) = 0;
  // Stores the response of a claimed key (done).
  virtual Status CompleteIdempotencyKey(std::string_view scope, std::string_view key, int status,
                                        std::string_view body) = 0;
  // Drops a claimed key whose request was refused, so that a corrected retry runs.
  virtual Status ReleaseIdempotencyKey(std::string_view scope, std::string_view key) = 0;
  // Deletes records created at or before `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeIdempotencyKeys(int64_t cutoff_unix) = 0;

  // --- admin keys ---
  virtual Status InsertAdminKey(const AdminKeyRow& key) = 0;
  // Inserts `key` only when the store holds no admin key at all; true when it did. Atomic across
  // every process sharing the store (two nodes starting on an empty store make one first key).
  virtual Result<bool> InsertFirstAdminKey(const AdminKeyRow& key) = 0;
  virtual Result<std::optional<AdminKeyRow>> FindAdminKeyByHash(const Digest& key_hash) = 0;
  virtual Result<int64_t> CountAdminKeys() = 0;

  // --- dashboard sessions (API.md 8) ---
  // Fails with kInternalError on a duplicate hash or an unknown account.
  virtual Status InsertSession(const SessionRow& session) = 0;
  // The session with this hash whatever its expiry (the caller compares expires_at), or nullopt.
  virtual Result<std::optional<SessionRow>> FindSession(const Digest& secret_hash) = 0;
  // Ends the session; OK when there is none.
  virtual Status DeleteSession(const Digest& secret_hash) = 0;
  // Deletes sessions with expires_at <= `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeSessions(int64_t cutoff_unix) = 0;
  // Ends every session of the account (it was disabled); OK when there is none.
  virtual Status DeleteAccountSessions(std::string_view account_id) = 0;

  // --- agent sign-in requests (API.md 8) ---
  // Inserts `pending` unless a request with its token_hash exists; returns the stored row.
  virtual Result<AgentAuthRow> EnsureAgentAuth(const AgentAuthRow& pending) = 0;
  virtual Result<std::optional<AgentAuthRow>> FindAgentAuth(const Digest& token_hash) = 0;
  // In one transaction: when no request has decided.token_hash, inserts `decided` as it is; when a
  // pending one created after `created_after` exists, sets its status, account_id, client_name,
  // token_id and decided_at from `decided` (keeping its created). Returns true when it wrote, false
  // (and no write) when the request is already decided or too old. `decided.status` is kApproved
  // or kDenied. An unknown account_id → kInternalError.
  virtual Result<bool> DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) = 0;
  // In one transaction: an approved request created after `created_after` becomes consumed.
  // Returns the row as it was before (approved) when it changed, nullopt (no write) otherwise —
  // so that exactly one caller ever wins.
  virtual Result<std::optional<AgentAuthRow>> ConsumeAgentAuth(const Digest& token_hash,
                                                               int64_t created_after) = 0;
  // Deletes requests created at or before `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeAgentAuth(int64_t cutoff_unix) = 0;

  // Cheap liveness probe (SELECT 1).
  virtual Status Ping() = 0;

  // --- capabilities ---
  // The store's own change feed between the nodes sharing it (PostgreSQL: LISTEN/NOTIFY), or null
  // when it has none (SQLite). The store must outlive the feed.
  virtual std::unique_ptr<ChangeFeed> OpenChangeFeed() { return nullptr; }
};

// Settings for OpenStore beyond the URL.
struct StoreOptions {
  int pool_size = 8;  // postgres://: connections per node (2..100); ignored by other stores
};

// Opens the store named by `url`: "sqlite://PATH" (relative paths are relative to the working
// directory; the directory is created) or "postgres://user:password@host:port/db" (also
// postgresql://; any libpq URL). Runs pending migrations.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options = {});

// `url` fit for logs and messages: the password of a postgres:// URL (in the user info or a
// password= parameter) replaced by "***". Other URLs come back unchanged.
std::string RedactStoreUrl(std::string_view url);

}  // namespace keyward
