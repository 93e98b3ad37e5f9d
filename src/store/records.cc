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
  }
  return "active";
}

TokenStatus TokenRow::StatusAt(int64_t now_unix) const {
  if (revoked_at) return TokenStatus::kRevoked;
  if (expires_at && *expires_at <= now_unix) return TokenStatus::kExpired;
  return TokenStatus::kActive;
}

}  // namespace keyward
