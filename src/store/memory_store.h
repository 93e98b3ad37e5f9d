// The in-memory Store for tests: the same contract and the same observable behaviour as
// SqliteStore (ordering, pagination, uniqueness, foreign keys, error codes), with nothing on disk.
// Every row lives in std::maps keyed by an insertion sequence, so "newest first" is insertion
// order reversed, as in SQL.
//
// Thread-safety: all methods may be called concurrently; one mutex guards all state. Not meant for
// production load (lists and ForEachUnrevokedToken scan every token).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

#include "store/store.h"

namespace keyward {

class MemoryStore final : public Store {
 public:
  MemoryStore() = default;

  Status CreateAccount(const AccountRow& account) override;
  Result<std::optional<AccountRow>> GetAccount(std::string_view id) override;
  Result<std::optional<AccountRow>> GetAccountByEmail(std::string_view email) override;
  Result<Page<AccountRow>> ListAccounts(const ListOptions& options) override;
  Result<std::optional<AccountRow>> AddCredits(std::string_view id, int64_t amount) override;

  Status RecordCreditUsage(const std::vector<AccountUsage>& usage) override;
  Status InsertToken(const TokenRow& token) override;
  Status InsertTokens(const std::vector<TokenRow>& tokens) override;
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
  // Calls `fn` with copies made under the lock, after releasing it (so `fn` may use the store).
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
  TokenRow* FindToken(std::string_view account_id, std::string_view id);  // requires mu_
  Status InsertTokenLocked(const TokenRow& token);                        // requires mu_
  Status InsertAdminKeyLocked(const AdminKeyRow& key);                    // requires mu_
  void TouchLocked(int64_t token_seq);  // requires mu_: gives the token the next change sequence

  std::mutex mu_;
  int64_t next_seq_ = 1;                                  // guarded by mu_
  std::map<int64_t, AccountRow> accounts_;                // guarded by mu_; by seq
  std::unordered_map<std::string, int64_t> account_seq_;  // guarded by mu_; id → seq
  std::unordered_map<std::string, int64_t> email_seq_;    // guarded by mu_; ASCII-lowercased
  std::map<int64_t, TokenRow> tokens_;                    // guarded by mu_; by seq
  std::unordered_map<std::string, int64_t> token_seq_;    // guarded by mu_; id → seq
  std::map<Digest, int64_t> token_hash_seq_;              // guarded by mu_
  int64_t next_change_ = 1;                               // guarded by mu_
  std::map<int64_t, int64_t> changes_;                    // guarded by mu_; change → token seq
  std::unordered_map<int64_t, int64_t> token_change_;     // guarded by mu_; token seq → change
  std::map<std::pair<std::string, std::string>, IdempotencyRecord> idempotency_;  // guarded by mu_
  std::map<Digest, AccessTokenRow> access_tokens_;         // guarded by mu_; by hash
  std::map<int64_t, AdminKeyRow> admin_keys_;              // guarded by mu_; by seq
  std::unordered_map<std::string, int64_t> admin_id_seq_;  // guarded by mu_
  std::map<Digest, int64_t> admin_hash_seq_;               // guarded by mu_
  std::map<Digest, SessionRow> sessions_;                  // guarded by mu_; by secret hash
  std::map<Digest, AgentAuthRow> agent_auth_;              // guarded by mu_; by token hash
};

}  // namespace keyward
