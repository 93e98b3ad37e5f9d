// The Store (store.h), written once in SQL for every engine: each method is its statements (one
// placeholder style, sql/statement.h) run through a Driver (sql/driver.h), with the few that
// differ between engines taken from a Dialect (sql/dialect.h) and every row decoded by
// sql/rows.h. SqliteStore and PostgresStore are this class over their engine's driver.
// Files: accounts and credits in sql_store_accounts.cc, API keys in _tokens.cc, access tokens in
// _access_tokens.cc, Idempotency-Key records in _idempotency.cc, dashboard sessions and agent
// sign-in requests in _dashboard.cc, admin keys and the probe in sql_store.cc.
//
// How a method uses the driver: reads through Read(); a single statement, or statements that
// stay correct apart, through Write(); several changes that must land together (a roll, a bulk
// insert, usage batches, the first admin key) through Transaction(). Batch writes lock rows in a
// fixed order (sorted ids), so two nodes flushing at once cannot deadlock.
//
// Thread-safety: all methods may be called concurrently from any thread (see Store); the
// ForEach* methods hold one connection (and, on SQLite, one read snapshot) while they call `fn`,
// which may use the store but not call the same ForEach* again.
// Errors: those of Store; everything an engine reports comes from its driver.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "store/sql/dialect.h"
#include "store/sql/driver.h"
#include "store/sql/rows.h"
#include "store/store.h"

namespace keyward {

class SqlStore : public Store {
 public:
  // `dialect` must outlive the store (the engines' dialects are static).
  SqlStore(std::unique_ptr<sql::Driver> driver, const sql::Dialect& dialect);
  ~SqlStore() override;

  Status CreateAccount(const AccountRow& account) override;
  Result<std::optional<AccountRow>> GetAccount(std::string_view id) override;
  Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) override;
  Result<Page<AccountRow>> ListAccounts(const ListOptions& options,
                                        const AccountFilter& filter = {}) override;
  Result<std::optional<AccountRow>> UpdateAccount(const AccountRow& account) override;
  Result<int64_t> AccountChangeCursor() override;
  Result<int64_t> ForEachAccountChangedAfter(int64_t after, size_t limit,
                                             const std::function<void(AccountRow&&)>& fn) override;
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
  Result<std::optional<TokenRow>> UpdateToken(const TokenRow& token) override;
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
  Status DeleteAccountSessions(std::string_view account_id) override;
  Result<AgentAuthRow> EnsureAgentAuth(const AgentAuthRow& pending) override;
  Result<std::optional<AgentAuthRow>> FindAgentAuth(const Digest& token_hash) override;
  Result<bool> DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) override;
  Result<std::optional<AgentAuthRow>> ConsumeAgentAuth(const Digest& token_hash,
                                                       int64_t created_after) override;
  Result<int64_t> PurgeAgentAuth(int64_t cutoff_unix) override;

  Status Ping() override;

 protected:
  sql::Driver& driver() { return *driver_; }

 private:
  using Mode = Status (sql::Driver::*)(const sql::Work&);

  // Runs `work` (sql::Session& → Result<T>) in `mode` (&sql::Driver::Read, ::Write or
  // ::Transaction) and returns what it returned, or the error of the unit of work.
  template <class T, class F>
  Result<T> Run(Mode mode, F&& work);
  // Runs one writing statement; returns how many rows it changed.
  Result<int64_t> Change(const sql::Statement& statement, const sql::Params& params);
  // Runs one reading statement and decodes its first row, if any.
  template <class T>
  Result<std::optional<T>> ReadOne(const sql::Statement& statement, const sql::Params& params) {
    return Run<std::optional<T>>(&sql::Driver::Read, [&](sql::Session& session) {
      return sql::QueryOne<T>(session, statement, params);
    });
  }

  std::unique_ptr<sql::Driver> driver_;
  const sql::Dialect& dialect_;
};

template <class T, class F>
Result<T> SqlStore::Run(Mode mode, F&& work) {
  std::optional<T> out;
  Status status = ((*driver_).*mode)([&](sql::Session& session) -> Status {
    Result<T> result = work(session);
    if (!result.ok()) return result.error();
    out.emplace(std::move(result).value());
    return Status::Ok();
  });
  if (!status.ok()) return status.error();
  return std::move(*out);
}

}  // namespace keyward
