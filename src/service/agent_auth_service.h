// Agent sign-in (API.md 8): a coding agent makes a random token, a signed-in person approves or
// denies it in the dashboard, and the agent polls for the outcome.
//
// States, as the agent sees them: pending → approved (exactly once, with the key) → expired;
// pending → denied; and anything older than kLifetimeSeconds (15 min, from the first time the
// server saw the token) is expired. Only the token's SHA-256 is stored.
//
// The approved key's plaintext: approval creates a secret key named "NAME (agent)" on the
// person's account and keeps its plaintext in this process's memory only (never in the store).
// The first poll after approval atomically moves the request from approved to consumed in the
// store (exactly one poll anywhere can win) and hands the plaintext out, dropping it from memory.
// When the winning poll finds no plaintext here — the server restarted since the approval, or the
// approval happened on another node — it rolls the key (the unknowable old one is revoked at once,
// a new one with the same name is created) and hands out the new key. So a key is handed out once,
// and no plaintext ever rests anywhere. An approved request that expires unpolled has its key
// revoked when it is next seen.
//
// Polling one token faster than once a second → kRateLimited; polls are also limited per client
// IP (120/min). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/mutex.h"
#include "core/status.h"
#include "limits/limiter.h"
#include "service/account_service.h"
#include "service/token_service.h"
#include "store/store.h"

namespace keyward {

enum class AgentAuthState { kPending, kApproved, kDenied, kExpired };
std::string_view AgentAuthStateName(AgentAuthState s);  // "pending", "approved", ...

struct AgentPoll {
  AgentAuthState state = AgentAuthState::kPending;
  std::string api_key;  // kApproved only: the key, shown this once
  std::string email;    // kApproved only: the approving account's email
};

class AgentAuthService {
 public:
  static constexpr int64_t kLifetimeSeconds = 15 * 60;
  static constexpr int64_t kRetentionSeconds = 86400;  // purged from the store after this
  static constexpr size_t kMinTokenLength = 32;
  static constexpr size_t kMaxTokenLength = 128;
  static constexpr size_t kMaxClientNameLength = 64;
  static constexpr RateSpec kPollPerToken{1, 1};
  static constexpr RateSpec kPollPerIp{120, 60};

  AgentAuthService(Store& store, TokenService& tokens, AccountService& accounts, Limiter& limiter,
                   const Clock& clock);

  // kInvalidRequest (param token) unless 32..128 hex characters.
  static Status ValidateToken(std::string_view token);
  // kInvalidRequest (param client_name) unless 1..64 characters with no control characters.
  static Status ValidateClientName(std::string_view name);

  // The agent's poll. Errors: kInvalidRequest (token), kRateLimited (*retry_after_s set),
  // store errors.
  Result<AgentPoll> Poll(std::string_view token, std::string_view client_ip,
                         int64_t* retry_after_s);
  // The person's decision, by the session `who` on its account. Records agent_auth.approved (with
  // the created key as data.object; no token.created) or agent_auth.denied in the decision's
  // transaction. Errors: kInvalidRequest with param token (malformed, already answered, or
  // expired) or client_name; store errors.
  Status Decide(const Principal& who, std::string_view token, bool approve,
                std::string_view client_name);
  // Deletes requests older than kRetentionSeconds from the store; returns how many.
  Result<int64_t> Purge();

  // Plaintexts held for approved, unpolled requests (for tests).
  size_t held() const;

 private:
  struct Held {
    std::string key;
    int64_t created = 0;  // of the request, for dropping expired ones
  };
  static Digest TokenHash(std::string_view token);  // SHA-256 of the lowercased token
  Result<AgentPoll> Deliver(const AgentAuthRow& approved);
  std::optional<std::string> TakeHeld(const std::string& token_id);
  void DropExpiredLocked(int64_t cutoff) REQUIRES(mu_);

  Store& store_;
  TokenService& tokens_;
  AccountService& accounts_;
  Limiter& limiter_;
  const Clock& clock_;

  mutable Mutex mu_;
  std::unordered_map<std::string, Held> held_ GUARDED_BY(mu_);  // by token id (tok_...)
};

}  // namespace keyward
