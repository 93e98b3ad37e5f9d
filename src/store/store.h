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
#include <vector>

#include "core/status.h"
#include "store/change_feed.h"
#include "store/event.h"
#include "store/plan.h"
#include "store/records.h"
#include "store/webhook.h"

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
  // Writes that take an EventFor record that event in the same transaction (store/event.h).
  virtual Status CreateAccount(const AccountRow& account,
                               const EventFor<AccountRow>& event = {}) = 0;
  virtual Result<std::optional<AccountRow>> GetAccount(std::string_view id) = 0;
  virtual Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) = 0;
  // Newest first, only those matching `filter`. An unknown `starting_after` → kInvalidRequest,
  // param "starting_after".
  virtual Result<Page<AccountRow>> ListAccounts(const ListOptions& options,
                                                const AccountFilter& filter = {}) = 0;
  // The console's list (API.md 16): accounts matching `search`, newest first, with their key count
  // and last use. An unknown `starting_after` → kInvalidRequest, param "starting_after".
  virtual Result<Page<AccountSummary>> ListAccountSummaries(const AccountSearch& search,
                                                            const ListOptions& options) = 0;
  // Adds `amount` (may be negative) to a limited balance, clamping at zero; an unlimited balance
  // stays unlimited. Returns the updated row, or nullopt when there is no such account.
  virtual Result<std::optional<AccountRow>> AddCredits(std::string_view id, int64_t amount,
                                                       const EventFor<AccountRow>& event = {}) = 0;

  // Writes the fields an update may change (name, email, plan, metadata, rate_limit,
  // account_rate_limit, disabled_at) of the account `account.id`, only when its stored change
  // sequence is still `account.change_seq` (optimistic concurrency: a concurrent update makes
  // this write nothing and return nullopt — read again and retry; so does an unknown id). The row
  // returned carries a new change sequence, higher than every one given before. A duplicate email
  // → kInvalidRequest, param "email". Credit changes do not touch the change sequence.
  // `event` is recorded in the same transaction when the write happened.
  virtual Result<std::optional<AccountRow>> UpdateAccount(
      const AccountRow& account, const EventFor<AccountRow>& event = {}) = 0;
  // The highest account change sequence so far (0 for none).
  virtual Result<int64_t> AccountChangeCursor() = 0;
  // As ForEachTokenChangedAfter, for accounts changed by UpdateAccount.
  virtual Result<int64_t> ForEachAccountChangedAfter(
      int64_t after, size_t limit, const std::function<void(AccountRow&&)>& fn) = 0;

  // Applies charged credits in one transaction (see AccountUsage). Unknown accounts are ignored.
  virtual Status RecordCreditUsage(const std::vector<AccountUsage>& usage) = 0;

  // --- API keys ---
  // Fails with kInternalError on a duplicate id or hash (a CSPRNG collision: never expected).
  virtual Status InsertToken(const TokenRow& token, const EventFor<TokenRow>& event = {}) = 0;
  // The token with `id` on `account_id`; nullopt when it does not exist or belongs to another.
  virtual Result<std::optional<TokenRow>> GetToken(std::string_view account_id,
                                                   std::string_view id) = 0;
  virtual Result<std::optional<TokenRow>> FindTokenByHash(const Digest& key_hash) = 0;
  // The account's tokens, newest first; `now_unix` decides active/expired for the filter.
  virtual Result<Page<TokenRow>> ListTokens(std::string_view account_id, TokenFilter filter,
                                            int64_t now_unix, const ListOptions& options) = 0;
  // Sets revoked_at = now_unix unless already revoked (then unchanged, and no event). Returns the
  // row after the change, or nullopt when there is no such token on the account.
  virtual Result<std::optional<TokenRow>> RevokeToken(std::string_view account_id,
                                                      std::string_view id, int64_t now_unix,
                                                      const EventFor<TokenRow>& event = {}) = 0;
  // In one transaction: insert `replacement`, and end the old token `old_id` on `account_id` —
  // revoked at now_unix when `old_expires_at` is nullopt, else its expires_at set to that value
  // (kept if the old expiry was already earlier). Returns the old row after the change, or nullopt
  // (and no write at all) when the old token does not exist on the account or is already revoked.
  // The event is given (old row, replacement).
  virtual Result<std::optional<TokenRow>> RollToken(std::string_view account_id,
                                                    std::string_view old_id,
                                                    const TokenRow& replacement,
                                                    std::optional<int64_t> old_expires_at,
                                                    int64_t now_unix,
                                                    const EventFor<TokenRow>& event = {}) = 0;
  // Inserts many tokens (bulk loads, benchmarks), all or nothing: on any failure none is kept.
  virtual Status InsertTokens(const std::vector<TokenRow>& tokens) = 0;
  // Writes the fields an update may change (name, permissions, expires_at, metadata,
  // ip_allowlist, disabled_at) of token `token.id` on `token.account_id`, only when its stored
  // change sequence is still `token.change_seq` (optimistic concurrency, as UpdateAccount: nullopt
  // and no write when it moved or there is no such token). Returns the row after the change, with
  // its new change sequence; `event` is recorded in the same transaction when the write happened.
  virtual Result<std::optional<TokenRow>> UpdateToken(const TokenRow& token,
                                                      const EventFor<TokenRow>& event = {}) = 0;
  // Calls `fn` for every token that is not revoked (for loading the in-memory index), in any order.
  virtual Status ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) = 0;
  // Applies last_used_at updates in one transaction (never moving a value backwards).
  virtual Status RecordUsage(const std::vector<TokenUsage>& usage) = 0;
  // Imports keys from another system (API.md 11.4): inserts every token of `tokens` (each with
  // `imported` set) and records `event` for each, all in one transaction — all or nothing. A key
  // hash that is already stored → kInvalidRequest with param "keys[i].sha256" (i: its index in
  // `tokens`) and no write. The caller checks for duplicates within `tokens`.
  virtual Status ImportTokens(const std::vector<TokenRow>& tokens,
                              const EventFor<TokenRow>& event = {}) = 0;

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
  virtual Status InsertAdminKey(const AdminKeyRow& key,
                                const EventFor<AdminKeyRow>& event = {}) = 0;
  // Inserts `key` only when the store holds no admin key at all; true when it did. Atomic across
  // every process sharing the store (two nodes starting on an empty store make one first key).
  virtual Result<bool> InsertFirstAdminKey(const AdminKeyRow& key,
                                           const EventFor<AdminKeyRow>& event = {}) = 0;
  virtual Result<std::optional<AdminKeyRow>> FindAdminKeyByHash(const Digest& key_hash) = 0;
  virtual Result<int64_t> CountAdminKeys() = 0;

  // --- dashboard sessions (API.md 8; operators' sessions, API.md 16) ---
  // A customer's session (account_id set) or an operator's (operator_id set). Fails with
  // kInternalError on a duplicate hash or an unknown account or operator.
  virtual Status InsertSession(const SessionRow& session,
                               const EventFor<SessionRow>& event = {}) = 0;
  // The session with this hash whatever its expiry (the caller compares expires_at), or nullopt.
  virtual Result<std::optional<SessionRow>> FindSession(const Digest& secret_hash) = 0;
  // Ends the session, a customer's or an operator's; OK when there is none.
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
  virtual Result<bool> DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after,
                                       const EventFor<AgentAuthRow>& event = {}) = 0;
  // In one transaction: an approved request created after `created_after` becomes consumed.
  // Returns the row as it was before (approved) when it changed, nullopt (no write) otherwise —
  // so that exactly one caller ever wins.
  virtual Result<std::optional<AgentAuthRow>> ConsumeAgentAuth(const Digest& token_hash,
                                                               int64_t created_after) = 0;
  // Deletes requests created at or before `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeAgentAuth(int64_t cutoff_unix) = 0;

  // --- usage counts (API.md 12) ---
  // Adds each row's counts to the stored row of its (owner, granularity, start), creating it when
  // absent, all in one transaction (deltas from several nodes sum).
  virtual Status AddUsage(const std::vector<UsageRow>& deltas) = 0;
  // The stored rows of `owner` at `granularity` with from <= start < to, oldest first (buckets
  // without a row are absent).
  virtual Result<std::vector<UsageRow>> ReadUsage(std::string_view owner, int64_t granularity,
                                                  int64_t from, int64_t to) = 0;
  // Deletes every row at `granularity` with start < `before`; returns how many.
  virtual Result<int64_t> PurgeUsage(int64_t granularity, int64_t before) = 0;
  // The token with `id` whatever its account (operators' tools), or nullopt.
  virtual Result<std::optional<TokenRow>> FindTokenById(std::string_view id) = 0;
  // --- events (API.md 13; store/event.h) ---
  // Records an event that goes with no other write (a failed sign-in).
  virtual Status AppendEvent(const EventRow& event) = 0;
  // The event with `id`; nullopt when there is none, or when `account_id` is given and the event
  // is not that account's.
  virtual Result<std::optional<EventRow>> GetEvent(
      std::string_view id, const std::optional<std::string>& account_id) = 0;
  // Newest first. An unknown `starting_after` → kInvalidRequest, param "starting_after".
  virtual Result<Page<EventRow>> ListEvents(const EventFilter& filter,
                                            const ListOptions& options) = 0;
  // Deletes events created before `cutoff_unix`; returns how many.
  virtual Result<int64_t> PurgeEvents(int64_t cutoff_unix) = 0;
  // The time-driven token notices, each recorded once across every node sharing the store. For
  // at most `limit` unrevoked tokens with expires_at <= now whose expiry was not announced yet,
  // marks it announced and records `expired` (before = null, after = the token); then likewise
  // `expiring` for tokens with now < expires_at <= now + notice_seconds. Each claim is a
  // conditional UPDATE of the token's marker in the event's transaction, so two nodes never both
  // record one; a changed expires_at may be announced again. Returns how many were recorded.
  virtual Result<int64_t> RecordTokenNotices(int64_t now, int64_t notice_seconds, size_t limit,
                                             const EventFor<TokenRow>& expired,
                                             const EventFor<TokenRow>& expiring) = 0;

  // --- webhooks (API.md 14; store/webhook.h) ---
  virtual Status CreateWebhookEndpoint(const WebhookEndpointRow& endpoint,
                                       const EventFor<WebhookEndpointRow>& event = {}) = 0;
  virtual Result<std::optional<WebhookEndpointRow>> GetWebhookEndpoint(std::string_view id) = 0;
  // The endpoints of `owner_account_id` ("" = the operator's), newest first. An unknown
  // `starting_after` → kInvalidRequest, param "starting_after".
  virtual Result<Page<WebhookEndpointRow>> ListWebhookEndpoints(std::string_view owner_account_id,
                                                                const ListOptions& options) = 0;
  // Replaces url, description, enabled_events, enabled, secret and failing_since of the endpoint
  // with `endpoint.id`. Returns the row after the change (the event gets before and after), or
  // nullopt (no write) when there is none.
  virtual Result<std::optional<WebhookEndpointRow>> UpdateWebhookEndpoint(
      const WebhookEndpointRow& endpoint, const EventFor<WebhookEndpointRow>& event = {}) = 0;
  // Deletes the endpoint and its pending deliveries (the log of made attempts stays). False (no
  // write) when there is none.
  virtual Result<bool> DeleteWebhookEndpoint(std::string_view id,
                                             const EventFor<WebhookEndpointRow>& event = {}) = 0;
  // The endpoint's deliveries log, newest first (pending attempts included).
  virtual Result<Page<WebhookDeliveryRow>> ListWebhookDeliveries(std::string_view endpoint_id,
                                                                 const ListOptions& options) = 0;
  // Leases to `owner` (a node) up to `limit` pending deliveries due at `now` whose endpoint is
  // enabled and which no live lease holds, until `lease_until`; each lease is given to one owner
  // only, across every node sharing the store (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
  // single writer). Oldest due first.
  virtual Result<std::vector<DueDelivery>> LeaseDueDeliveries(std::string_view owner, int64_t now,
                                                              int64_t lease_until,
                                                              size_t limit) = 0;
  // In one transaction, for a delivery `owner` still leases: records the attempt (succeeded or
  // failed, response status, duration); a failed one with `retry_at` queues attempt + 1 due then;
  // the endpoint's failing_since is cleared by a success and set by the first failure; an enabled
  // endpoint failing since at or before `disable_if_failing_since` is disabled, recording
  // `disabled` (before, after). False (no write) when the lease was lost or the delivery is gone.
  virtual Result<bool> CompleteDelivery(std::string_view delivery_id, std::string_view owner,
                                        const AttemptOutcome& outcome,
                                        const EventFor<WebhookEndpointRow>& disabled = {}) = 0;
  // Releases `owner`'s lease on a delivery without an attempt (shutting down): due again at once.
  virtual Status ReleaseDelivery(std::string_view delivery_id, std::string_view owner) = 0;

  // --- operators (API.md 16) ---
  // Inserts `op` (email already folded to lower case); an email another operator has →
  // kInvalidRequest, param "email".
  virtual Status InsertOperator(const OperatorRow& op) = 0;
  virtual Result<std::optional<OperatorRow>> GetOperator(std::string_view id) = 0;
  // `email` as stored (lower case).
  virtual Result<std::optional<OperatorRow>> FindOperatorByEmail(std::string_view email) = 0;
  // Gives operator `id` a new set-up token (the previous link stops working). False when there is
  // no such operator.
  virtual Result<bool> SetOperatorSetup(std::string_view id, const Digest& setup_hash,
                                        int64_t expires_at) = 0;
  // In one statement: the operator whose live set-up token (expires_at > now_unix) hashes to
  // `setup_hash` gets `password_hash`, and the token is spent. Returns the operator after the
  // change, or nullopt (and no write) when no live token matches — a link works once.
  virtual Result<std::optional<OperatorRow>> CompleteOperatorSetup(const Digest& setup_hash,
                                                                   std::string_view password_hash,
                                                                   int64_t now_unix) = 0;

  // --- plans and refills (API.md 11.2; store/plan.h) ---
  // Inserts a plan; a duplicate name → kInvalidRequest, param "name".
  virtual Status CreatePlan(const PlanRow& plan, const EventFor<PlanRow>& event = {}) = 0;
  virtual Result<std::optional<PlanRow>> GetPlan(std::string_view name) = 0;
  // Every plan, newest first (then by name). Plans are few.
  virtual Result<std::vector<PlanRow>> ListPlans() = 0;
  // Writes the terms (rate_limit, account_rate_limit, refill, low_credits_threshold) and
  // managed_by of plan `plan.name`; returns the row after the write, or nullopt when there is no
  // such plan. `event` is recorded in the same transaction.
  virtual Result<std::optional<PlanRow>> UpdatePlan(const PlanRow& plan,
                                                    const EventFor<PlanRow>& event = {}) = 0;
  // Accounts on `plan` that period `period` has not refilled yet and that were created before
  // `period_start` (an account created mid-period waits for the next), at most `limit`.
  virtual Result<std::vector<std::string>> AccountsDueRefill(std::string_view plan, int64_t period,
                                                             int64_t period_start,
                                                             size_t limit) = 0;
  // Refills account `id` for `period`, in one transaction, only if no node did already (the
  // account's last refilled period is below `period`): a limited balance becomes `set_to` (when
  // given) or grows by `add` (clamped to INT64_MAX); an unlimited one stays unlimited; the period
  // is recorded either way. Returns the row before and after, or nullopt when the period was
  // refilled already (or there is no such account). `event` is recorded with the change (not for an
  // unlimited balance, which a refill leaves as it was).
  struct Refilled {
    AccountRow before;
    AccountRow after;
  };
  virtual Result<std::optional<Refilled>> RefillAccount(std::string_view id, int64_t period,
                                                        std::optional<int64_t> set_to, int64_t add,
                                                        const EventFor<AccountRow>& event = {}) = 0;

  // Crossing events (credits.low, credits.exhausted, ratelimit.exceeded: API.md 13): the mark of
  // (`subject`, `kind`) is claimed for `period` — inserted, or moved up from an older period —
  // together with `event`, in one transaction; false (and nothing recorded) when the mark is
  // already at `period` or later, so each crossing is recorded once across nodes.
  virtual Result<bool> ClaimEventMark(std::string_view subject, std::string_view kind,
                                      int64_t period, const EventRow& event) = 0;
  // Re-arms: removes the mark of (`subject`, `kind`), if any.
  virtual Status ClearEventMark(std::string_view subject, std::string_view kind) = 0;

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
