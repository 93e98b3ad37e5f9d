// Who is calling: credential extraction for management calls (admin key or account key), the
// verifier's caller check, rate-limit headers. Shared by the handlers. Thread-safe.
#pragma once

#include <optional>
#include <variant>

#include "http/api.h"
#include "http/http_types.h"
#include "service/principal.h"
#include "service/verifier.h"

namespace keyward {

struct Caller {
  Principal principal;
  std::optional<RateLimitReport> ratelimit;  // set for key callers
};

// A management call's caller, or the response refusing it (401/403/429/503 with headers).
// `admin_only`: account endpoints — any non-admin credential gets 403.
std::variant<Caller, HttpResponse> AuthenticateManagement(Api& api, const HttpRequest& req,
                                                          bool admin_only);

// Whom an Idempotency-Key belongs to: the caller's account ("acct_…"), or "admin:<Keyward-Account>"
// for an admin key. Identifies without admitting (no rate limit taken). nullopt when the caller
// cannot be identified (the handler will refuse it, and nothing is stored).
std::optional<std::string> IdempotencyScope(Api& api, const HttpRequest& req);

// May this peer call /v1/auth and /v1/keys/verify? (allow_from, or a valid Keyward-Admin-Key.)
bool IsVerifierCaller(Api& api, const HttpRequest& req);

void AddRateLimitHeaders(HttpResponse& res, const RateLimitReport& report);
// The identity headers of GET /v1/auth and the proxy (API.md 5) as "Name: value\r\n" lines:
// X-Keyward-Account, -Token-Id, -Permissions ("*" for a secret key), -Livemode, -Sandbox.
void AppendIdentityHeaders(std::string& lines, const KeyRecord& rec);

HttpResponse JsonResponse(std::string body, int status = 200);
// ErrorResponse plus the caller's rate-limit headers.
HttpResponse CallerError(const Caller& caller, const Error& error, const HttpRequest& req);
// Success plus the caller's rate-limit headers.
HttpResponse CallerJson(const Caller& caller, std::string body);

}  // namespace keyward
