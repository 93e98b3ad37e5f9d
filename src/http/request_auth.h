// Who is calling, as the checkpoint established it (Caller), and the pieces every admission
// decision shares, written once for the API and the proxy: the 401 for a missing, conflicting or
// malformed credential (RefusalFor), the headers of a refused verdict (AddRefusalHeaders:
// Retry-After and the rate-limit headers), the rate-limit and identity header blocks. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/credential.h"
#include "http/http_types.h"
#include "service/principal.h"
#include "service/verifier.h"

namespace keyward {

// The caller a handler runs for. `principal` is meaningful only on routes whose auth is
// kManagement, kAdminOnly, kSession or kSessionCsrf (`authenticated` is then true).
struct Caller {
  bool authenticated = false;
  Principal principal;
  std::optional<RateLimitReport> ratelimit;  // key callers, once admitted: sent on every response
  int64_t usage_counted_at = 0;  // key callers, once admitted: when usage counted the call valid
  // Whose Idempotency-Keys these are (API.md 1.4): the account ("acct_…"), or
  // "admin:<Keyward-Account>" for an admin key; empty = none (nothing is stored or replayed).
  std::string idempotency_scope;
  std::string session_secret;  // session callers: the cookie's value
  int64_t session_expires_at = 0;
};

// The management credential a request presents: x-api-key / Authorization, or else
// Keyward-Admin-Key.
PresentedCredential ManagementCredential(const HttpRequest& req);

// 401 UNAUTHORIZED for a credential that is not kPresent: "No API key was provided." (without
// error="invalid_token" in WWW-Authenticate), or the conflicting / malformed sentence.
HttpResponse RefusalFor(CredentialPresence presence, std::string_view request_id);

// On a refused verdict: Retry-After when it is RATE_LIMITED, then the rate-limit headers.
void AddRefusalHeaders(HttpResponse& res, const Verdict& verdict);
// "Retry-After: N".
void AddRetryAfter(HttpResponse& res, int64_t seconds);

void AddRateLimitHeaders(HttpResponse& res, const RateLimitReport& report);
// The identity headers of GET /v1/auth and the proxy (API.md 5) as "Name: value\r\n" lines:
// X-Keyward-Account, -Token-Id, -Permissions ("*" for a secret key), -Livemode, -Sandbox, and
// X-Keyward-Metadata (compact ASCII JSON, API.md 11.1) when `extras` carries metadata.
void AppendIdentityHeaders(std::string& lines, const KeyRecord& rec,
                           const KeyExtras* extras = nullptr);

HttpResponse JsonResponse(std::string body, int status = 200);

}  // namespace keyward
