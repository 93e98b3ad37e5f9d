// Operators (API.md 16): the people who run keyward, not customers. The CLI invites one by email
// and prints a one-time set-up link (valid 24 h) whose token only the link holds: the store keeps
// its SHA-256. Opening the link, the operator chooses a password (Argon2id, as customers'); the
// token is spent by that one write, so a link works once, and inviting the same email again
// replaces the link (how an operator who forgot the password gets back in). Operators then sign
// in at /dashboard/ like customers (SessionService) and act with an admin's rights in the console.
//
// Thread-safe (the store is; the service holds no state of its own).
// Errors are values: kInvalidRequest with param (email, password, token) for bad input,
// kUnauthorized for a set-up token that is unknown, used or expired (one sentence for all three),
// and the store's kUnavailable / kInternalError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace keyward {

struct OperatorInvite {
  OperatorRow op;          // as stored (no password yet, or the old one until the link is used)
  std::string token;       // the set-up token: shown once, in the link, never stored
  int64_t expires_at = 0;  // Unix seconds
};

class OperatorService {
 public:
  static constexpr int64_t kSetupSeconds = 24 * 3600;
  static constexpr size_t kTokenLength = 43;  // base62, ~256 bits
  static constexpr std::string_view kSetupRefused =
      "The set-up link is invalid, used or expired. Ask for a new one.";

  OperatorService(Store& store, const Clock& clock);

  // Creates the operator with this email (folded to lower case), or gives an existing one a new
  // link (the previous stops working). Errors: kInvalidRequest param "email".
  Result<OperatorInvite> Invite(std::string_view email);
  // Spends a live set-up token and sets the operator's password. Errors: kInvalidRequest param
  // "password" (kMinPasswordLength..kMaxPasswordLength) or "token" (not a token's shape);
  // kUnauthorized kSetupRefused.
  Result<OperatorRow> CompleteSetup(std::string_view token, std::string_view password);
  // nullopt when there is no such operator.
  Result<std::optional<OperatorRow>> Get(std::string_view id);

  // "https://keys.example.com" + "/dashboard/setup#token=" + token (a trailing '/' of the URL is
  // dropped). The token travels in the fragment, which browsers never send to a server or a log.
  static std::string SetupLink(std::string_view public_url, std::string_view token);
  static std::string FoldEmail(std::string_view email);

 private:
  Store& store_;
  const Clock& clock_;
};

}  // namespace keyward
