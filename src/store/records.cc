#include "store/records.h"

namespace keyward {

std::string_view TokenStatusName(TokenStatus s) {
  switch (s) {
    case TokenStatus::kActive:
      return "active";
    case TokenStatus::kRevoked:
      return "revoked";
    case TokenStatus::kExpired:
      return "expired";
    case TokenStatus::kDisabled:
      return "disabled";
  }
  return "active";
}

TokenStatus TokenRow::StatusAt(int64_t now_unix) const {
  if (revoked_at) return TokenStatus::kRevoked;
  if (expires_at && *expires_at <= now_unix) return TokenStatus::kExpired;
  if (disabled_at) return TokenStatus::kDisabled;
  return TokenStatus::kActive;
}

std::string_view AgentAuthStatusName(AgentAuthStatus s) {
  switch (s) {
    case AgentAuthStatus::kPending:
      return "pending";
    case AgentAuthStatus::kApproved:
      return "approved";
    case AgentAuthStatus::kDenied:
      return "denied";
    case AgentAuthStatus::kConsumed:
      return "consumed";
  }
  return "pending";
}

std::optional<AgentAuthStatus> ParseAgentAuthStatus(std::string_view name) {
  for (AgentAuthStatus s : {AgentAuthStatus::kPending, AgentAuthStatus::kApproved,
                            AgentAuthStatus::kDenied, AgentAuthStatus::kConsumed}) {
    if (AgentAuthStatusName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace keyward
