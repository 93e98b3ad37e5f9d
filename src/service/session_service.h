// Dashboard sessions (API.md 8): sign up, sign in, sign out, and finding the session a cookie
// names. Operators (API.md 16) sign in the same way, with the same cookie and CSRF token: when an
// email and password are an operator's, the session is an operator's (SessionInfo::operator_id),
// else a customer's. A session is a random secret (43 base62 characters, ~256 bits) handed to the
// browser in a cookie; the store keeps only its SHA-256. The CSRF token is derived from the secret
// (SHA-256 over a fixed label and the secret, hex), so it needs no storage, can be handed out
// again to a reloaded page, and reveals nothing about the secret.
//
// Every sign-in failure — unknown email, account without a password, wrong password, malformed
// input — is the same kUnauthorized error with kSignInFailed, and costs one Argon2id verification
// either way (a dummy hash stands in for a missing one), so neither the answer nor its timing says
// whether an account exists. Sign-in attempts are limited per email and per client IP, sign-ups
// per client IP (settings.dashboard); over the limit → kRateLimited.
//
// Events (API.md 13), actor {"type":"session","id":null} with the client address and request id:
// a sign-up records account.created, a sign-in session.created (both in the write's transaction),
// a failed sign-in session.failed with data.object {"email"} and the account of that email (or
// none). A refusal by the rate limit is not a sign-in attempt and records nothing.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "limits/limiter.h"
#include "service/account_service.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

struct SignedIn {
  std::string secret;             // the cookie value; shown once, never stored
  std::string csrf_token;         // for X-CSRF-Token
  AccountRow account;             // a customer's session: the account (empty for an operator)
  std::optional<OperatorRow> op;  // an operator's session: the operator, without password hash
  int64_t expires_at = 0;         // Unix seconds
};

struct SessionInfo {
  std::string account_id;   // a customer's session
  std::string operator_id;  // an operator's session (then account_id is empty)
  int64_t expires_at = 0;
  bool is_operator() const { return !operator_id.empty(); }
};

class SessionService {
 public:
  static constexpr std::string_view kSignInFailed = "The email or password is incorrect.";
  static constexpr size_t kSecretLength = 43;

  SessionService(Store& store, AccountService& accounts, Limiter& limiter,
                 const ServiceSettings& settings, const Clock& clock);

  // Creates an account with a password and signs it in. Errors: kForbidden when sign-up is off;
  // kRateLimited (with *retry_after_s set) over the per-IP limit; kInvalidRequest with param
  // email / password / name (an email already taken is param email); store errors.
  Result<SignedIn> SignUp(std::string_view email, std::string_view password, std::string_view name,
                          std::string_view client_ip, int64_t* retry_after_s,
                          std::string_view request_id = {});
  // Errors: kUnauthorized with kSignInFailed for every kind of bad credential; kRateLimited (with
  // *retry_after_s) over a limit; store errors (kUnavailable, kInternalError).
  Result<SignedIn> SignIn(std::string_view email, std::string_view password,
                          std::string_view client_ip, int64_t* retry_after_s,
                          std::string_view request_id = {});
  // Starts a session for an operator who has just chosen a password (OperatorService).
  Result<SignedIn> StartOperator(OperatorRow op);
  // The live session `secret` names; nullopt when it is malformed, unknown or expired.
  Result<std::optional<SessionInfo>> Find(std::string_view secret);
  // Ends the session (OK when there is none).
  Status SignOut(std::string_view secret);
  // Deletes expired sessions from the store; returns how many.
  Result<int64_t> PurgeExpired();

  static std::string CsrfToken(std::string_view secret);
  // Constant-time check of a presented X-CSRF-Token against the session's.
  static bool CsrfMatches(std::string_view secret, std::string_view presented);
  static bool LooksLikeSecret(std::string_view secret);

 private:
  // `record` = record session.created by `who`.
  Result<SignedIn> Start(AccountRow account, const Principal& who, bool record);
  // Takes one attempt from each bucket; kRateLimited when any is empty.
  Status Limit(std::string_view ip, std::optional<std::string_view> email, int64_t* retry_after_s);

  Store& store_;
  AccountService& accounts_;
  Limiter& limiter_;
  const ServiceSettings& settings_;
  const Clock& clock_;
};

}  // namespace keyward
