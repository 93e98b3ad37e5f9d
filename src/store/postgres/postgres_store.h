// The Store on PostgreSQL (15 or later): what several keyward nodes share. A bounded pool of
// connections (pool.h), every statement prepared once per connection and run with parameters,
// a transaction wherever a change touches several rows. Files: accounts and credits in
// postgres_store_accounts.cc, API keys in _tokens.cc, access tokens in _access_tokens.cc,
// Idempotency-Key records in _idempotency.cc, admin keys and the probe here.
//
// Semantics are those of the Store contract, the same as SQLite's (the conformance suite runs
// against both), across nodes too:
// - durable when a call returns OK (a COMMIT with the server's synchronous_commit, on by default);
//   a connection lost during COMMIT gives kUnavailable although the change may have landed (as
//   with any database client: a retry with the same Idempotency-Key settles it);
// - AddCredits and RecordCreditUsage are single atomic UPDATEs clamped at zero (no lost update
//   between nodes); RollToken locks the old row (SELECT … FOR UPDATE) and inserts the replacement
//   in the same transaction; batch writes lock rows in a fixed order, so two nodes flushing
//   usage at once cannot deadlock;
// - ClaimIdempotencyKey is one INSERT … ON CONFLICT DO UPDATE … WHERE (stale): of two nodes
//   claiming the same (scope, key) at once exactly one wins.
// Migrations run at Open() (see migrations.h); the database role needs only to own its database
// (CREATE on it, no superuser).
//
// Thread-safety: all methods may be called concurrently from any thread (see Store).
// ForEachUnrevokedToken / ForEachAccessToken hold one pooled connection while they call `fn`;
// `fn` may use the store (another connection), so the pool needs at least two connections.
// Errors: server unreachable, shutting down, restarting or out of connections → kUnavailable with a
// message saying why (never the URL); anything else → kInternalError; see Store for
// kInvalidRequest. Text containing a NUL character (which PostgreSQL cannot store) →
// kInvalidRequest. After the server comes back, the pool reconnects by itself.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/listener.h"
#include "store/postgres/pool.h"
#include "store/store.h"

namespace keyward {

struct PostgresOptions {
  int pool_size = StoreOptions{}.pool_size;  // connections per store (per node), at least 2
  int acquire_timeout_ms = 5000;             // waiting for a busy pool before kUnavailable
  int connect_timeout_seconds = 5;           // unless the URL sets connect_timeout
};

class PostgresStore final : public Store {
 public:
  // Connects to `url` (postgres://user:password@host:port/db?param=value, as libpq accepts) and
  // applies pending migrations. kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     PostgresOptions options = {});
  ~PostgresStore() override;

  Status CreateAccount(const AccountRow& account) override;
  Result<std::optional<AccountRow>> GetAccount(std::string_view id) override;
  Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) override;
  Result<Page<AccountRow>> ListAccounts(const ListOptions& options) override;
  Result<std::optional<AccountRow>> AddCredits(std::string_view id, int64_t amount) override;
  Status RecordCreditUsage(const std::vector<AccountUsage>& usage) override;

  Status InsertToken(const TokenRow& token) override;
  Status InsertTokens(const std::vector<TokenRow>& tokens) override;  // one transaction
  Result<std::optional<TokenRow>> GetToken(std::string_view account_id,
                                           std::string_view id) override;
  Result<std::optional<TokenRow>> FindTokenByHash(const Digest& key_hash) override;
  Result<Page<TokenRow>> ListTokens(std::string_view account_id, TokenFilter filter,
                                    int64_t now_unix, const ListOptions& options) override;
  Result<std::optional<TokenRow>> RevokeToken(std::string_view account_id, std::string_view id,
                                              int64_t now_unix) override;
  Result<std::optional<TokenRow>> RollToken(std::string_view account_id, std::string_view old_id,
                                            const TokenRow& replacement,
                                            std::optional<int64_t> old_expires_at,
                                            int64_t now_unix) override;
  Status ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) override;
  Status RecordUsage(const std::vector<TokenUsage>& usage) override;

  Status InsertAccessToken(const AccessTokenRow& token) override;
  Result<std::optional<AccessTokenRow>> FindAccessTokenByHash(const Digest& hash) override;
  Status ForEachAccessToken(int64_t after_unix,
                            const std::function<void(AccessTokenRow&&)>& fn) override;
  Result<int64_t> PurgeAccessTokens(int64_t cutoff_unix) override;

  Result<IdempotencyClaim> ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                               int64_t stale_before_unix) override;
  Status CompleteIdempotencyKey(std::string_view scope, std::string_view key, int status,
                                std::string_view body) override;
  Status ReleaseIdempotencyKey(std::string_view scope, std::string_view key) override;
  Result<int64_t> PurgeIdempotencyKeys(int64_t cutoff_unix) override;

  Result<int64_t> TokenChangeCursor() override;
  Result<int64_t> ForEachTokenChangedAfter(int64_t after, size_t limit,
                                           const std::function<void(TokenRow&&)>& fn) override;

  Status InsertSession(const SessionRow& session) override;
  Result<std::optional<SessionRow>> FindSession(const Digest& secret_hash) override;
  Status DeleteSession(const Digest& secret_hash) override;
  Result<int64_t> PurgeSessions(int64_t cutoff_unix) override;
  Result<AgentAuthRow> EnsureAgentAuth(const AgentAuthRow& pending) override;
  Result<std::optional<AgentAuthRow>> FindAgentAuth(const Digest& token_hash) override;
  Result<bool> DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) override;
  Result<std::optional<AgentAuthRow>> ConsumeAgentAuth(const Digest& token_hash,
                                                       int64_t created_after) override;
  Result<int64_t> PurgeAgentAuth(int64_t cutoff_unix) override;

  Status InsertAdminKey(const AdminKeyRow& key) override;
  Result<bool> InsertFirstAdminKey(const AdminKeyRow& key) override;
  Result<std::optional<AdminKeyRow>> FindAdminKeyByHash(const Digest& key_hash) override;
  Result<int64_t> CountAdminKeys() override;

  Status Ping() override;

  // Not part of Store: NOTIFY `channel` with `payload` (pg_notify, parameters only) for a
  // PostgresListener (listener.h). Delivered to listeners connected at that moment.
  Status Notify(std::string_view channel, std::string_view payload);
  // Not part of Store: a PostgresListener on `channel` with its own connection to this store's
  // database (see PostgresListener::Open). Thread-safe.
  Result<std::unique_ptr<PostgresListener>> Listen(const std::string& channel) const;

 private:
  PostgresStore(std::string url, std::unique_ptr<pg::Pool> pool)
      : url_(std::move(url)), pool_(std::move(pool)) {}

  // Runs fn(Connection&) on a pooled connection.
  template <class F>
  auto With(F&& fn) -> decltype(fn(std::declval<pg::Connection&>())) {
    Result<pg::Pool::Lease> lease = pool_->Acquire();
    if (!lease.ok()) return lease.error();
    return fn(**lease);
  }
  // Runs fn(Connection&) → Status inside BEGIN … COMMIT; rolls back when fn fails.
  template <class F>
  Status InTransaction(F&& fn) {
    return With([&](pg::Connection& conn) -> Status {
      pg::Transaction tx(conn);
      if (Status s = tx.Begin(); !s.ok()) return s;
      if (Status s = fn(conn); !s.ok()) return s;
      return tx.Commit();
    });
  }
  // Runs one statement; returns how many rows it changed.
  Result<int64_t> Change(const std::string& sql, const pg::Params& params);

  const std::string url_;  // for listeners; never logged (it may carry a password)
  std::unique_ptr<pg::Pool> pool_;
};

}  // namespace keyward
