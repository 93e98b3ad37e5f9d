#include "store/memory_store.h"

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

namespace keyward {
namespace {

// Matches SQLite's NOCASE collation, which folds ASCII letters only.
std::string FoldEmail(std::string_view email) {
  std::string folded(email);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

bool Matches(const TokenRow& token, TokenFilter filter, int64_t now_unix) {
  switch (filter) {
    case TokenFilter::kAll:
      return true;
    case TokenFilter::kActive:
      return token.StatusAt(now_unix) == TokenStatus::kActive;
    case TokenFilter::kRevoked:
      return token.StatusAt(now_unix) == TokenStatus::kRevoked;
    case TokenFilter::kExpired:
      return token.StatusAt(now_unix) == TokenStatus::kExpired;
  }
  return false;
}

Error Duplicate(std::string_view what) {
  return Error(ErrorCode::kInternalError, "memory: duplicate " + std::string(what));
}

// Newest-first page of the rows in `rows` (by seq) below `before` that satisfy `keep`.
template <class Row, class Keep>
Page<Row> Collect(const std::map<int64_t, Row>& rows, int64_t before, int limit, Keep keep) {
  Page<Row> page;
  const size_t max = limit < 0 ? 0 : static_cast<size_t>(limit);
  for (auto it = std::make_reverse_iterator(rows.lower_bound(before)); it != rows.rend(); ++it) {
    if (!keep(it->second)) continue;
    if (page.items.size() == max) {
      page.has_more = true;
      break;
    }
    page.items.push_back(it->second);
  }
  return page;
}

}  // namespace

// --- accounts ---

Status MemoryStore::CreateAccount(const AccountRow& account) {
  std::lock_guard lock(mu_);
  if (account_seq_.contains(account.id)) return Duplicate("account id");
  std::string email = FoldEmail(account.email);
  if (!email.empty() && email_seq_.contains(email)) {
    return InvalidRequest("An account with this email already exists.", "email");
  }
  const int64_t seq = next_seq_++;
  accounts_.emplace(seq, account);
  account_seq_.emplace(account.id, seq);
  if (!email.empty()) email_seq_.emplace(std::move(email), seq);
  return Status::Ok();
}

Result<std::optional<AccountRow>> MemoryStore::GetAccount(std::string_view id) {
  std::lock_guard lock(mu_);
  auto it = account_seq_.find(std::string(id));
  if (it == account_seq_.end()) return std::optional<AccountRow>();
  return std::optional<AccountRow>(accounts_.at(it->second));
}

Result<std::optional<AccountRow>> MemoryStore::GetAccountByEmail(std::string_view email) {
  if (email.empty()) return std::optional<AccountRow>();
  std::lock_guard lock(mu_);
  auto it = email_seq_.find(FoldEmail(email));
  if (it == email_seq_.end()) return std::optional<AccountRow>();
  return std::optional<AccountRow>(accounts_.at(it->second));
}

Result<Page<AccountRow>> MemoryStore::ListAccounts(const ListOptions& options) {
  std::lock_guard lock(mu_);
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!options.starting_after.empty()) {
    auto it = account_seq_.find(options.starting_after);
    if (it == account_seq_.end()) {
      return InvalidRequest("starting_after is not an account id.", "starting_after");
    }
    before = it->second;
  }
  return Collect(accounts_, before, options.limit, [](const AccountRow&) { return true; });
}

Result<std::optional<AccountRow>> MemoryStore::AddCredits(std::string_view id, int64_t amount) {
  std::lock_guard lock(mu_);
  auto it = account_seq_.find(std::string(id));
  if (it == account_seq_.end()) return std::optional<AccountRow>();
  AccountRow& account = accounts_.at(it->second);
  if (account.credits) {
    const int64_t balance = *account.credits;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (amount > 0 && balance > kMax - amount) {
      account.credits = kMax;
    } else {
      account.credits = std::max<int64_t>(0, balance + amount);
    }
  }
  return std::optional<AccountRow>(account);
}

Status MemoryStore::RecordCreditUsage(const std::vector<AccountUsage>& usage) {
  std::lock_guard lock(mu_);
  for (const AccountUsage& u : usage) {
    auto it = account_seq_.find(u.account_id);
    if (it == account_seq_.end()) continue;
    AccountRow& account = accounts_.at(it->second);
    if (account.credits) account.credits = std::max<int64_t>(0, *account.credits - u.used);
    account.credits_used += u.used;
  }
  return Status::Ok();
}

// --- API keys ---

TokenRow* MemoryStore::FindToken(std::string_view account_id, std::string_view id) {
  auto it = token_seq_.find(std::string(id));
  if (it == token_seq_.end()) return nullptr;
  TokenRow& token = tokens_.at(it->second);
  return token.account_id == account_id ? &token : nullptr;
}

Status MemoryStore::InsertTokenLocked(const TokenRow& token) {
  if (!account_seq_.contains(token.account_id)) {
    return Error(ErrorCode::kInternalError, "memory: token for an unknown account");
  }
  if (token_seq_.contains(token.id)) return Duplicate("token id");
  if (token_hash_seq_.contains(token.key_hash)) return Duplicate("token hash");
  const int64_t seq = next_seq_++;
  tokens_.emplace(seq, token);
  token_seq_.emplace(token.id, seq);
  token_hash_seq_.emplace(token.key_hash, seq);
  TouchLocked(seq);
  return Status::Ok();
}

void MemoryStore::TouchLocked(int64_t token_seq) {
  if (auto it = token_change_.find(token_seq); it != token_change_.end())
    changes_.erase(it->second);
  const int64_t change = next_change_++;
  changes_.emplace(change, token_seq);
  token_change_[token_seq] = change;
}

Result<int64_t> MemoryStore::TokenChangeCursor() {
  std::lock_guard lock(mu_);
  return changes_.empty() ? int64_t{0} : changes_.rbegin()->first;
}

Result<int64_t> MemoryStore::ForEachTokenChangedAfter(int64_t after, size_t limit,
                                                      const std::function<void(TokenRow&&)>& fn) {
  std::vector<TokenRow> changed;
  int64_t highest = after;
  {
    std::lock_guard lock(mu_);
    for (auto it = changes_.upper_bound(after); it != changes_.end() && changed.size() < limit;
         ++it) {
      changed.push_back(tokens_.at(it->second));
      highest = it->first;
    }
  }
  for (TokenRow& token : changed) fn(std::move(token));
  return highest;
}

Status MemoryStore::InsertToken(const TokenRow& token) {
  std::lock_guard lock(mu_);
  return InsertTokenLocked(token);
}

Status MemoryStore::InsertTokens(const std::vector<TokenRow>& tokens) {
  std::lock_guard lock(mu_);
  std::set<std::string> ids;
  std::set<Digest> hashes;
  for (const TokenRow& t : tokens) {  // validate all first: all or nothing
    if (!account_seq_.contains(t.account_id)) {
      return Error(ErrorCode::kInternalError, "memory: token for an unknown account");
    }
    if (token_seq_.contains(t.id) || !ids.insert(t.id).second) return Duplicate("token id");
    if (token_hash_seq_.contains(t.key_hash) || !hashes.insert(t.key_hash).second) {
      return Duplicate("token hash");
    }
  }
  for (const TokenRow& t : tokens) (void)InsertTokenLocked(t);
  return Status::Ok();
}

Result<std::optional<TokenRow>> MemoryStore::GetToken(std::string_view account_id,
                                                      std::string_view id) {
  std::lock_guard lock(mu_);
  TokenRow* token = FindToken(account_id, id);
  if (token == nullptr) return std::optional<TokenRow>();
  return std::optional<TokenRow>(*token);
}

Result<std::optional<TokenRow>> MemoryStore::FindTokenByHash(const Digest& key_hash) {
  std::lock_guard lock(mu_);
  auto it = token_hash_seq_.find(key_hash);
  if (it == token_hash_seq_.end()) return std::optional<TokenRow>();
  return std::optional<TokenRow>(tokens_.at(it->second));
}

Result<Page<TokenRow>> MemoryStore::ListTokens(std::string_view account_id, TokenFilter filter,
                                               int64_t now_unix, const ListOptions& options) {
  std::lock_guard lock(mu_);
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!options.starting_after.empty()) {
    const TokenRow* after = FindToken(account_id, options.starting_after);
    if (after == nullptr) {
      return InvalidRequest("starting_after is not a token id.", "starting_after");
    }
    before = token_seq_.at(after->id);
  }
  return Collect(tokens_, before, options.limit, [&](const TokenRow& token) {
    return token.account_id == account_id && Matches(token, filter, now_unix);
  });
}

Result<std::optional<TokenRow>> MemoryStore::RevokeToken(std::string_view account_id,
                                                         std::string_view id, int64_t now_unix) {
  std::lock_guard lock(mu_);
  TokenRow* token = FindToken(account_id, id);
  if (token == nullptr) return std::optional<TokenRow>();
  if (!token->revoked_at) token->revoked_at = now_unix;
  TouchLocked(token_seq_.at(token->id));
  return std::optional<TokenRow>(*token);
}

Result<std::optional<TokenRow>> MemoryStore::RollToken(std::string_view account_id,
                                                       std::string_view old_id,
                                                       const TokenRow& replacement,
                                                       std::optional<int64_t> old_expires_at,
                                                       int64_t now_unix) {
  if (replacement.account_id != account_id) {
    return Error(ErrorCode::kInternalError, "roll: the replacement belongs to another account");
  }
  std::lock_guard lock(mu_);
  TokenRow* old = FindToken(account_id, old_id);
  if (old == nullptr || old->revoked_at) return std::optional<TokenRow>();
  if (Status s = InsertTokenLocked(replacement); !s.ok()) return s.error();
  if (!old_expires_at) {
    old->revoked_at = now_unix;
  } else if (!old->expires_at || *old->expires_at >= *old_expires_at) {
    old->expires_at = *old_expires_at;
  }
  TouchLocked(token_seq_.at(old->id));
  return std::optional<TokenRow>(*old);
}

Status MemoryStore::ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) {
  std::vector<TokenRow> unrevoked;
  {
    std::lock_guard lock(mu_);
    for (const auto& [seq, token] : tokens_) {
      if (!token.revoked_at) unrevoked.push_back(token);
    }
  }
  for (TokenRow& token : unrevoked) fn(std::move(token));
  return Status::Ok();
}

Status MemoryStore::RecordUsage(const std::vector<TokenUsage>& usage) {
  std::lock_guard lock(mu_);
  for (const TokenUsage& u : usage) {
    auto it = token_seq_.find(u.token_id);
    if (it == token_seq_.end()) continue;
    TokenRow& token = tokens_.at(it->second);
    if (!token.last_used_at || *token.last_used_at < u.last_used_at) {
      token.last_used_at = u.last_used_at;
    }
  }
  return Status::Ok();
}

// --- admin keys ---

// --- access tokens ---

Status MemoryStore::InsertAccessToken(const AccessTokenRow& token) {
  std::lock_guard lock(mu_);
  if (!token_seq_.contains(token.parent_id)) {
    return Error(ErrorCode::kInternalError, "memory: access token for an unknown parent");
  }
  if (!access_tokens_.emplace(token.token_hash, token).second) {
    return Duplicate("access token hash");
  }
  return Status::Ok();
}

Result<std::optional<AccessTokenRow>> MemoryStore::FindAccessTokenByHash(const Digest& hash) {
  std::lock_guard lock(mu_);
  auto it = access_tokens_.find(hash);
  if (it == access_tokens_.end()) return std::optional<AccessTokenRow>();
  return std::optional<AccessTokenRow>(it->second);
}

Status MemoryStore::ForEachAccessToken(int64_t after_unix,
                                       const std::function<void(AccessTokenRow&&)>& fn) {
  std::vector<AccessTokenRow> live;
  {
    std::lock_guard lock(mu_);
    for (const auto& [hash, row] : access_tokens_) {
      if (row.expires_at > after_unix) live.push_back(row);
    }
  }
  for (AccessTokenRow& row : live) fn(std::move(row));
  return Status::Ok();
}

Result<int64_t> MemoryStore::PurgeAccessTokens(int64_t cutoff_unix) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::erase_if(access_tokens_, [cutoff_unix](const auto& kv) {
    return kv.second.expires_at <= cutoff_unix;
  }));
}

// --- idempotency ---

Result<IdempotencyClaim> MemoryStore::ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                                          int64_t stale_before_unix) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = idempotency_.try_emplace({claim.scope, claim.key}, claim);
  if (inserted) return IdempotencyClaim{true, std::nullopt};
  if (!it->second.done && it->second.created < stale_before_unix) {
    it->second = claim;
    return IdempotencyClaim{true, std::nullopt};
  }
  return IdempotencyClaim{false, it->second};
}

Status MemoryStore::CompleteIdempotencyKey(std::string_view scope, std::string_view key, int status,
                                           std::string_view body) {
  std::lock_guard lock(mu_);
  auto it = idempotency_.find({std::string(scope), std::string(key)});
  if (it == idempotency_.end()) return Status::Ok();
  it->second.done = true;
  it->second.status = status;
  it->second.body = std::string(body);
  return Status::Ok();
}

Status MemoryStore::ReleaseIdempotencyKey(std::string_view scope, std::string_view key) {
  std::lock_guard lock(mu_);
  idempotency_.erase({std::string(scope), std::string(key)});
  return Status::Ok();
}

Result<int64_t> MemoryStore::PurgeIdempotencyKeys(int64_t cutoff_unix) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::erase_if(
      idempotency_, [cutoff_unix](const auto& kv) { return kv.second.created <= cutoff_unix; }));
}

Result<bool> MemoryStore::InsertFirstAdminKey(const AdminKeyRow& key) {
  std::lock_guard lock(mu_);
  if (!admin_keys_.empty()) return false;
  if (Status st = InsertAdminKeyLocked(key); !st.ok()) return st.error();
  return true;
}

Status MemoryStore::InsertAdminKey(const AdminKeyRow& key) {
  std::lock_guard lock(mu_);
  return InsertAdminKeyLocked(key);
}

Status MemoryStore::InsertAdminKeyLocked(const AdminKeyRow& key) {
  if (admin_id_seq_.contains(key.id)) return Duplicate("admin key id");
  if (admin_hash_seq_.contains(key.key_hash)) return Duplicate("admin key hash");
  const int64_t seq = next_seq_++;
  admin_keys_.emplace(seq, key);
  admin_id_seq_.emplace(key.id, seq);
  admin_hash_seq_.emplace(key.key_hash, seq);
  return Status::Ok();
}

Result<std::optional<AdminKeyRow>> MemoryStore::FindAdminKeyByHash(const Digest& key_hash) {
  std::lock_guard lock(mu_);
  auto it = admin_hash_seq_.find(key_hash);
  if (it == admin_hash_seq_.end()) return std::optional<AdminKeyRow>();
  return std::optional<AdminKeyRow>(admin_keys_.at(it->second));
}

Result<int64_t> MemoryStore::CountAdminKeys() {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(admin_keys_.size());
}

Status MemoryStore::Ping() {
  return Status::Ok();
}

}  // namespace keyward

// --- dashboard sessions and agent sign-in requests (API.md 8) ---

namespace keyward {

Status MemoryStore::InsertSession(const SessionRow& session) {
  std::lock_guard lock(mu_);
  if (!account_seq_.contains(session.account_id)) {
    return Error(ErrorCode::kInternalError, "memory: session for an unknown account");
  }
  if (!sessions_.try_emplace(session.secret_hash, session).second) return Duplicate("session");
  return Status::Ok();
}

Result<std::optional<SessionRow>> MemoryStore::FindSession(const Digest& secret_hash) {
  std::lock_guard lock(mu_);
  auto it = sessions_.find(secret_hash);
  if (it == sessions_.end()) return std::optional<SessionRow>();
  return std::optional<SessionRow>(it->second);
}

Status MemoryStore::DeleteSession(const Digest& secret_hash) {
  std::lock_guard lock(mu_);
  sessions_.erase(secret_hash);
  return Status::Ok();
}

Result<int64_t> MemoryStore::PurgeSessions(int64_t cutoff_unix) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::erase_if(
      sessions_, [cutoff_unix](const auto& kv) { return kv.second.expires_at <= cutoff_unix; }));
}

Result<AgentAuthRow> MemoryStore::EnsureAgentAuth(const AgentAuthRow& pending) {
  std::lock_guard lock(mu_);
  if (!pending.account_id.empty() && !account_seq_.contains(pending.account_id)) {
    return Error(ErrorCode::kInternalError, "memory: agent request for an unknown account");
  }
  return agent_auth_.try_emplace(pending.token_hash, pending).first->second;
}

Result<std::optional<AgentAuthRow>> MemoryStore::FindAgentAuth(const Digest& token_hash) {
  std::lock_guard lock(mu_);
  auto it = agent_auth_.find(token_hash);
  if (it == agent_auth_.end()) return std::optional<AgentAuthRow>();
  return std::optional<AgentAuthRow>(it->second);
}

Result<bool> MemoryStore::DecideAgentAuth(const AgentAuthRow& decided, int64_t created_after) {
  std::lock_guard lock(mu_);
  if (!account_seq_.contains(decided.account_id)) {
    return Error(ErrorCode::kInternalError, "memory: agent request for an unknown account");
  }
  auto [it, inserted] = agent_auth_.try_emplace(decided.token_hash, decided);
  if (inserted) return true;
  AgentAuthRow& row = it->second;
  if (row.status != AgentAuthStatus::kPending || row.created <= created_after) return false;
  row.status = decided.status;
  row.account_id = decided.account_id;
  row.client_name = decided.client_name;
  row.token_id = decided.token_id;
  row.decided_at = decided.decided_at;
  return true;
}

Result<std::optional<AgentAuthRow>> MemoryStore::ConsumeAgentAuth(const Digest& token_hash,
                                                                  int64_t created_after) {
  std::lock_guard lock(mu_);
  auto it = agent_auth_.find(token_hash);
  if (it == agent_auth_.end() || it->second.status != AgentAuthStatus::kApproved ||
      it->second.created <= created_after) {
    return std::optional<AgentAuthRow>();
  }
  std::optional<AgentAuthRow> before(it->second);
  it->second.status = AgentAuthStatus::kConsumed;
  return before;
}

Result<int64_t> MemoryStore::PurgeAgentAuth(int64_t cutoff_unix) {
  std::lock_guard lock(mu_);
  return static_cast<int64_t>(std::erase_if(
      agent_auth_, [cutoff_unix](const auto& kv) { return kv.second.created <= cutoff_unix; }));
}

}  // namespace keyward
