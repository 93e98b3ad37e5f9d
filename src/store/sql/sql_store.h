// The Store (store.h), written once in SQL for every engine: each method is its statements (one
// placeholder style, sql/statement.h) run through a Driver (sql/driver.h), with the few that
// differ between engines taken from a Dialect (sql/dialect.h) and every row decoded by
// sql/rows.h. SqliteStore and PostgresStore are this class over their engine's driver.
// Files: accounts and credits in sql_store_accounts.cc, API keys in _tokens.cc, access tokens in
// _access_tokens.cc, Idempotency-Key records in _idempotency.cc, dashboard sessions and agent
// sign-in requests in _dashboard.cc, usage counts in _usage.cc, admin keys and the probe in
// sign-in requests in _dashboard.cc, events in _events.cc, plans and refills in _plans.cc, admin
// keys and the probe in sql_store.cc.
//
// How a method uses the driver: reads through Read(); a single statement, or statements that
// stay correct apart, through Write(); several changes that must land together (a roll, a bulk
// insert, usage batches, the first admin key, every change with its event) through Transaction().
// Batch writes lock rows in a fixed order (sorted ids), so two nodes flushing at once cannot
// deadlock.
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

  Status CreateAccount(const AccountRow& account, const EventFor<AccountRow>& event = {}) override;
  Result<std::optional<AccountRow>> GetAccount(std::string_view id) override;
  Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) override;
  Result<Page<AccountRow>> ListAccounts(const ListOptions& options,
                                        const AccountFilter& filter = {}) override;
  Result<Page<AccountSummary>> ListAccountSummaries(const AccountSearch& search,
                                                    const ListOptions& options) override;
  Result<std::optional<AccountRow>> UpdateAccount(const AccountRow& account,
                                                  const EventFor<AccountRow>& event = {}) override;
  Result<int64_t> AccountChangeCursor() override;
  Result<int64_t> ForEachAccountChangedAfter(int64_t after, size_t limit,
                                             const std::function<void(AccountRow&&)>& fn) override;
  Result<std::optional<AccountRow>> AddCredits(std::string_view id, int64_t amount,
                                               const EventFor<AccountRow>& event = {}) override;
  Status RecordCreditUsage(const std::vector<AccountUsage>& usage) override;

  Status InsertToken(const TokenRow& token, const EventFor<TokenRow>& event = {}) override;
  Status InsertTokens(const std::vector<TokenRow>& tokens) override;  // one transaction
  Status ImportTokens(const std::vector<TokenRow>& tokens,
                      const EventFor<TokenRow>& event = {}) override;  // sql_store_import.cc
  Result<std::optional<TokenRow>> GetToken(std::string_view account_id,
                                           std::string_view id) override;
  Result<std::optional<TokenRow>> FindTokenByHash(const Digest& key_hash) override;
  Result<Page<TokenRow>> ListTokens(std::string_view account_id, TokenFilter filter,
                                    int64_t now_unix, const ListOptions& options) override;
  Result<std::optional<TokenRow>> RevokeToken(std::string_view account_id, std::string_view id,
                                              int64_t now_unix,
                                              const EventFor<TokenRow>& event = {}) override;
  Result<std::optional<TokenRow>> RollToken(std::string_view account_id, std::string_view old_id,
                                            const TokenRow& replacement,
                                            std::optional<int64_t> old_expires_at, int64_t now_unix,
                                            const EventFor<TokenRow>& event = {}) override;
  Result<std::optional<TokenRow>> UpdateToken(const TokenRow& token,
                                              const EventFor<TokenRow>& event = {}) override;
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

  Status InsertAdminKey(const AdminKeyRow& key, const EventFor<AdminKeyRow>& event = {}) override;
  Result<bool> InsertFirstAdminKey(const AdminKeyRow& key,
                                   const EventFor<AdminKeyRow>& event = {}) override;
  Result<std::optional<AdminKeyRow>> FindAdminKeyByHash(const Digest& key_hash) override;
  Result<int64_t> CountAdminKeys() override;

  Status InsertSession(const SessionRow& session, const EventFor<SessionRow>& event = {}) override;
  Result<std::optional<SessionRow>> FindSession(const Digest& secret_hash) override;
  Status DeleteSession(const Digest& secret_hash) override;
  Result<int64_t> PurgeSessions(int64_t cutoff_unix) override;
  Status DeleteAccountSessions(std::string_view account_id) override;
  Result<AgentAuthRow> EnsureAgentAuth(const AgentAuthRow& pending) override;
  Result<std::optional<AgentAuthRow>> FindAgentAuth(const Digest& token_hash) override;
  Result<bool> DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after,
                               const EventFor<AgentAuthRow>& event = {}) override;
  Result<std::optional<AgentAuthRow>> ConsumeAgentAuth(const Digest& token_hash,
                                                       int64_t created_after) override;
  Result<int64_t> PurgeAgentAuth(int64_t cutoff_unix) override;

  Status AddUsage(const std::vector<UsageRow>& deltas) override;
  Result<std::vector<UsageRow>> ReadUsage(std::string_view owner, int64_t granularity, int64_t from,
                                          int64_t to) override;
  Result<int64_t> PurgeUsage(int64_t granularity, int64_t before) override;
  Result<std::optional<TokenRow>> FindTokenById(std::string_view id) override;
  Status AppendEvent(const EventRow& event) override;
  Result<std::optional<EventRow>> GetEvent(std::string_view id,
                                           const std::optional<std::string>& account_id) override;
  Result<Page<EventRow>> ListEvents(const EventFilter& filter, const ListOptions& options) override;
  Result<int64_t> PurgeEvents(int64_t cutoff_unix) override;
  Result<int64_t> RecordTokenNotices(int64_t now, int64_t notice_seconds, size_t limit,
                                     const EventFor<TokenRow>& expired,
                                     const EventFor<TokenRow>& expiring) override;

  Status CreateWebhookEndpoint(const WebhookEndpointRow& endpoint,
                               const EventFor<WebhookEndpointRow>& event = {}) override;
  Result<std::optional<WebhookEndpointRow>> GetWebhookEndpoint(std::string_view id) override;
  Result<Page<WebhookEndpointRow>> ListWebhookEndpoints(std::string_view owner_account_id,
                                                        const ListOptions& options) override;
  Result<std::optional<WebhookEndpointRow>> UpdateWebhookEndpoint(
      const WebhookEndpointRow& endpoint, const EventFor<WebhookEndpointRow>& event = {}) override;
  Result<bool> DeleteWebhookEndpoint(std::string_view id,
                                     const EventFor<WebhookEndpointRow>& event = {}) override;
  Result<Page<WebhookDeliveryRow>> ListWebhookDeliveries(std::string_view endpoint_id,
                                                         const ListOptions& options) override;
  Result<std::vector<DueDelivery>> LeaseDueDeliveries(std::string_view owner, int64_t now,
                                                      int64_t lease_until, size_t limit) override;
  Result<bool> CompleteDelivery(std::string_view delivery_id, std::string_view owner,
                                const AttemptOutcome& outcome,
                                const EventFor<WebhookEndpointRow>& disabled = {}) override;
  Status ReleaseDelivery(std::string_view delivery_id, std::string_view owner) override;

  Status InsertOperator(const OperatorRow& op) override;
  Result<std::optional<OperatorRow>> GetOperator(std::string_view id) override;
  Result<std::optional<OperatorRow>> FindOperatorByEmail(std::string_view email) override;
  Result<bool> SetOperatorSetup(std::string_view id, const Digest& setup_hash,
                                int64_t expires_at) override;
  Result<std::optional<OperatorRow>> CompleteOperatorSetup(const Digest& setup_hash,
                                                           std::string_view password_hash,
                                                           int64_t now_unix) override;

  Status CreatePlan(const PlanRow& plan, const EventFor<PlanRow>& event = {}) override;
  Result<std::optional<PlanRow>> GetPlan(std::string_view name) override;
  Result<std::vector<PlanRow>> ListPlans() override;
  Result<std::optional<PlanRow>> UpdatePlan(const PlanRow& plan,
                                            const EventFor<PlanRow>& event = {}) override;
  Result<std::vector<std::string>> AccountsDueRefill(std::string_view plan, int64_t period,
                                                     int64_t period_start, size_t limit) override;
  Result<std::optional<Refilled>> RefillAccount(std::string_view id, int64_t period,
                                                std::optional<int64_t> set_to, int64_t add,
                                                const EventFor<AccountRow>& event = {}) override;

  Result<bool> ClaimEventMark(std::string_view subject, std::string_view kind, int64_t period,
                              const EventRow& event) override;
  Status ClearEventMark(std::string_view subject, std::string_view kind) override;

  Status Ping() override;

 protected:
  sql::Driver& driver() { return *driver_; }

 private:
  using Mode = Status (sql::Driver::*)(const sql::Work&);

  // Runs `work` (sql::Session& → Result<T>) in `mode` (&sql::Driver::Read, ::Write or
  // ::Transaction) and returns what it returned, or the error of the unit of work.
  template <class T, class F>
  Result<T> Run(Mode mode, F&& work);
  // Inserts `event` in the unit of work of `session` (sql_store_events.cc).
  Status InsertEvent(sql::Session& session, const EventRow& event);
  // Records the event `make` builds for (before, after), when `make` is set.
  template <class Row>
  Status RecordEvent(sql::Session& session, const EventFor<Row>& make, const Row* before,
                     const Row& after) {
    if (!make) return Status::Ok();
    return InsertEvent(session, make(before, after));
  }
  // Queues attempt 1 of `event` for every enabled endpoint subscribed to it
  // (sql_store_webhooks.cc).
  Status FanOut(sql::Session& session, const EventRow& event);
  // Records the expiry notices of one kind (sql_store_events.cc).
  Result<int64_t> RecordNotices(bool expired, int64_t now, int64_t notice_seconds, size_t limit,
                                const EventFor<TokenRow>& make);
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
