// The Store on one SQLite file in WAL mode: a single writer connection for every write, used by
// one thread at a time through a group-commit queue (concurrent writes share one transaction and
// one fsync, each inside its own savepoint), and a lazily grown pool of read-only connections so
// that reads never wait for a write.
// Several SqliteStore instances (in one process or several, e.g. the CLI beside a running server)
// may share a file: SQLite's locks and a busy timeout (5 s by default) serialise their writers.
//
// Thread-safety: all methods may be called concurrently from any thread (see Store).
// ForEachUnrevokedToken holds one pooled read connection (and one read snapshot) while it calls
// `fn`; `fn` may use the store, but not call ForEachUnrevokedToken again.
// Durability: with Synchronous::kFull (the default) a write is on disk when the call returns OK;
// kNormal may lose the last commits on power loss (never on a process crash).
// Errors: busy or locked beyond the timeout, or a file that cannot be opened → kUnavailable;
// anything else from SQLite → kInternalError (see Store for kInvalidRequest).
#pragma once

#include <memory>
#include <string>

#include "store/sqlite/connection.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/write_queue.h"
#include "store/store.h"

namespace keyward {

struct SqliteOptions {
  sqlite::Synchronous synchronous = sqlite::Synchronous::kFull;
  int busy_timeout_ms = 5000;  // how long a write waits for another writer before kUnavailable
  int read_connections = 4;    // the most read-only connections opened at once
};

class SqliteStore final : public Store {
 public:
  // Opens (creating if needed) the database file at `path` — its directory must exist — and
  // applies pending migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteOptions options = {});
  ~SqliteStore() override;

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
  Result<int64_t> TokenChangeCursor() override;
  Result<int64_t> ForEachTokenChangedAfter(int64_t after, size_t limit,
                                           const std::function<void(TokenRow&&)>& fn) override;

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
  Status InsertAdminKey(const AdminKeyRow& key) override;
  Result<bool> InsertFirstAdminKey(const AdminKeyRow& key) override;
  Result<std::optional<AdminKeyRow>> FindAdminKeyByHash(const Digest& key_hash) override;
  Result<int64_t> CountAdminKeys() override;

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

  Status Ping() override;

 private:
  SqliteStore(std::unique_ptr<sqlite::Connection> writer, const std::string& path,
              const SqliteOptions& options);

  // Runs a DELETE whose only parameter is a cutoff time; returns how many rows went.
  Result<int64_t> DeleteBefore(const char* sql, int64_t cutoff_unix);
  // Runs an insert of one admin key (parameters ?1..?7 in column order); true when it added a row.
  Result<bool> InsertAdminKeyWith(const char* sql, const AdminKeyRow& key);

  // Runs fn(Connection&) on a pooled read-only connection.
  template <class F>
  auto Read(F&& fn) -> decltype(fn(std::declval<sqlite::Connection&>())) {
    Result<sqlite::ReadPool::Lease> lease = readers_.Acquire();
    if (!lease.ok()) return lease.error();
    return fn(**lease);
  }

  std::unique_ptr<sqlite::Connection> writer_;  // used only through writes_
  sqlite::WriteQueue writes_;                   // the only path to writer_
  sqlite::ReadPool readers_;                    // destroyed before the writer (declared after)
};

}  // namespace keyward
