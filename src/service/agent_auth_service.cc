#include "service/agent_auth_service.h"

#include <spdlog/spdlog.h>

#include <array>
#include <limits>

#include "core/sha256.h"
#include "service/event_builder.h"
#include "service/objects.h"

namespace keyward {
namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Error AlreadyAnswered() {
  return InvalidRequest("This sign-in request was already answered.", "token");
}
Error Expired() {
  return InvalidRequest("This sign-in request has expired.", "token");
}

}  // namespace

std::string_view AgentAuthStateName(AgentAuthState s) {
  switch (s) {
    case AgentAuthState::kPending:
      return "pending";
    case AgentAuthState::kApproved:
      return "approved";
    case AgentAuthState::kDenied:
      return "denied";
    case AgentAuthState::kExpired:
      return "expired";
  }
  return "expired";
}

AgentAuthService::AgentAuthService(Store& store, TokenService& tokens, AccountService& accounts,
                                   Limiter& limiter, const Clock& clock)
    : store_(store), tokens_(tokens), accounts_(accounts), limiter_(limiter), clock_(clock) {}

Status AgentAuthService::ValidateToken(std::string_view token) {
  bool ok = token.size() >= kMinTokenLength && token.size() <= kMaxTokenLength;
  for (char c : token) ok = ok && IsHex(c);
  if (!ok) return InvalidRequest("token must be 32 to 128 hexadecimal characters.", "token");
  return Status::Ok();
}

Status AgentAuthService::ValidateClientName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= kMaxClientNameLength;
  for (char c : name) ok = ok && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (!ok) {
    return InvalidRequest("client_name must be 1 to 64 characters without control characters.",
                          "client_name");
  }
  return Status::Ok();
}

Digest AgentAuthService::TokenHash(std::string_view token) {
  std::string lower(token);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return Sha256(lower);
}

size_t AgentAuthService::held() const {
  MutexLock lock(mu_);
  return held_.size();
}

void AgentAuthService::DropExpiredLocked(int64_t cutoff) {
  std::erase_if(held_, [cutoff](const auto& kv) { return kv.second.created <= cutoff; });
}

std::optional<std::string> AgentAuthService::TakeHeld(const std::string& token_id) {
  MutexLock lock(mu_);
  auto it = held_.find(token_id);
  if (it == held_.end()) return std::nullopt;
  std::string key = std::move(it->second.key);
  held_.erase(it);
  return key;
}

Result<AgentPoll> AgentAuthService::Poll(std::string_view token, std::string_view client_ip,
                                         int64_t* retry_after_s) {
  if (Status st = ValidateToken(token); !st.ok()) return st.error();
  const Digest hash = TokenHash(token);
  const std::string token_bucket = "agent:" + DigestHex(hash).substr(0, 32);
  const std::string ip_bucket = "agent-ip:" + std::string(client_ip);
  const std::array<BucketRequest, 2> buckets = {BucketRequest{token_bucket, kPollPerToken, 1},
                                                BucketRequest{ip_bucket, kPollPerIp, 1}};
  LimitOutcome limit = limiter_.Take(buckets, clock_.NowNanos());
  if (!limit.allowed) {
    if (retry_after_s) *retry_after_s = limit.buckets[limit.tightest].retry_after_s;
    return Error(ErrorCode::kRateLimited, "Poll at most once per second.");
  }

  const int64_t now = clock_.NowUnix();
  const int64_t cutoff = now - kLifetimeSeconds;  // alive while created > cutoff
  AgentAuthRow fresh;
  fresh.token_hash = hash;
  fresh.created = now;
  auto row = store_.EnsureAgentAuth(fresh);
  if (!row.ok()) return row.error();

  if (row->created <= cutoff) {
    if (row->status == AgentAuthStatus::kApproved) {
      // Approved but never collected: nobody will ever see that key, so it goes.
      auto ended = store_.ConsumeAgentAuth(hash, std::numeric_limits<int64_t>::min());
      if (ended.ok() && ended->has_value()) {
        (void)TakeHeld((*ended)->token_id);
        Principal system = Principal::Session((*ended)->account_id);
        system.actor = SystemActor();
        auto revoked = tokens_.Revoke(system, (*ended)->token_id);
        if (!revoked.ok() && revoked.error().code() != ErrorCode::kNotFound) {
          spdlog::warn("could not revoke the uncollected agent key {}: {}", (*ended)->token_id,
                       revoked.error().ForLog());
        }
      }
    }
    return AgentPoll{AgentAuthState::kExpired, {}, {}};
  }
  switch (row->status) {
    case AgentAuthStatus::kPending:
      return AgentPoll{AgentAuthState::kPending, {}, {}};
    case AgentAuthStatus::kDenied:
      return AgentPoll{AgentAuthState::kDenied, {}, {}};
    case AgentAuthStatus::kConsumed:
      return AgentPoll{AgentAuthState::kExpired, {}, {}};
    case AgentAuthStatus::kApproved:
      break;
  }
  auto won = store_.ConsumeAgentAuth(hash, cutoff);
  if (!won.ok()) return won.error();
  if (!won->has_value()) return AgentPoll{AgentAuthState::kExpired, {}, {}};  // another poll won
  return Deliver(**won);
}

Result<AgentPoll> AgentAuthService::Deliver(const AgentAuthRow& approved) {
  Principal owner = Principal::Session(approved.account_id);
  owner.actor = EventActor{"agent", {}, {}};
  std::optional<std::string> key = TakeHeld(approved.token_id);
  if (!key) {
    // Approved before a restart or on another node: the plaintext is gone, so replace the key.
    auto rolled = tokens_.Roll(owner, approved.token_id, 0);
    if (!rolled.ok()) {
      if (rolled.error().code() == ErrorCode::kNotFound) {  // revoked by the person meanwhile
        return AgentPoll{AgentAuthState::kExpired, {}, {}};
      }
      return rolled.error();
    }
    key = std::move(rolled->key);
  }
  AgentPoll out{AgentAuthState::kApproved, std::move(*key), {}};
  auto account = accounts_.Get(approved.account_id);
  if (account.ok()) out.email = account->email;
  return out;
}

Status AgentAuthService::Decide(const Principal& who, std::string_view token, bool approve,
                                std::string_view client_name) {
  const std::string& account_id = who.account_id;
  if (Status st = ValidateToken(token); !st.ok()) return st;
  if (Status st = ValidateClientName(client_name); !st.ok()) return st;
  const Digest hash = TokenHash(token);
  const int64_t now = clock_.NowUnix();
  const int64_t cutoff = now - kLifetimeSeconds;
  auto existing = store_.FindAgentAuth(hash);
  if (!existing.ok()) return existing.error();
  if (*existing) {
    if ((*existing)->created <= cutoff) return Expired();
    if ((*existing)->status != AgentAuthStatus::kPending) return AlreadyAnswered();
  }

  AgentAuthRow decided;
  decided.token_hash = hash;
  decided.status = approve ? AgentAuthStatus::kApproved : AgentAuthStatus::kDenied;
  decided.account_id = std::string(account_id);
  decided.client_name = std::string(client_name);
  decided.created = *existing ? (*existing)->created : now;
  decided.decided_at = now;
  const Principal& owner = who;
  std::optional<IssuedToken> issued;
  if (approve) {
    CreateTokenParams params;
    params.name = std::string(client_name) + " (agent)";
    params.type = "secret";
    params.livemode = true;
    params.record_event = false;  // agent_auth.approved below stands for it
    auto created = tokens_.Create(owner, params);
    if (!created.ok()) return created.error();
    issued = std::move(*created);
    decided.token_id = issued->row.id;
    MutexLock lock(mu_);
    DropExpiredLocked(cutoff);
    held_[decided.token_id] = Held{issued->key, decided.created};
  }
  const int64_t decided_now = now;
  auto changed =
      store_.DecideAgentAuth(decided, cutoff, [&](const AgentAuthRow*, const AgentAuthRow& row) {
        boost::json::object object;
        if (issued) {
          object = TokenObject(issued->row, decided_now);
        } else {
          object["object"] = "agent_auth";
          object["status"] = "denied";
          object["client_name"] = row.client_name;
        }
        return NewEvent(approve ? "agent_auth.approved" : "agent_auth.denied", who, row.account_id,
                        true, decided_now, EventData(object, nullptr));
      });
  if (changed.ok() && *changed) return Status::Ok();
  if (issued) {  // another decision won the race (or the write failed): this key must not live
    (void)TakeHeld(decided.token_id);
    (void)tokens_.Revoke(owner, decided.token_id);
  }
  if (!changed.ok()) return changed.error();
  return AlreadyAnswered();
}

Result<int64_t> AgentAuthService::Purge() {
  const int64_t now = clock_.NowUnix();
  {
    MutexLock lock(mu_);
    DropExpiredLocked(now - kLifetimeSeconds);
  }
  return store_.PurgeAgentAuth(now - kRetentionSeconds);
}

}  // namespace keyward
