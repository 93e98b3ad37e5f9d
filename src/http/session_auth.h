// Dashboard session cookies at the HTTP edge (API.md 8): reading the session cookie, building the
// Set-Cookie values, finding the live session a request's cookie names, and the X-CSRF-Token check
// every cookie-authenticated write needs. The checkpoint (checkpoint.h) uses these; handlers do
// not. Pure apart from the session lookup; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/http_types.h"
#include "service/session_service.h"

namespace keyward {

inline constexpr std::string_view kSessionCookieName = "keyward_session";

// The value of the keyward_session cookie in the Cookie header, if any.
std::optional<std::string_view> SessionCookie(const HttpRequest& req);

// "keyward_session=SECRET; Path=/; Max-Age=N; HttpOnly; SameSite=Strict[; Secure]".
std::string SessionCookieValue(std::string_view secret, int64_t max_age_s, bool secure);
// The same cookie, emptied and expired (sign-out).
std::string ClearedSessionCookieValue(bool secure);

// GET and HEAD: reads, which need no CSRF token.
bool IsSafeMethod(std::string_view method);

struct SessionCaller {
  std::string secret;
  SessionInfo info;
};

// The live session the request's cookie names, or the refusal: 401 when the cookie is missing,
// unknown or expired; 503 when the store fails.
std::variant<SessionCaller, HttpResponse> FindSession(SessionService& sessions,
                                                      const HttpRequest& req);

// 403 FORBIDDEN unless X-CSRF-Token matches the session `secret`; nullopt when it does.
std::optional<HttpResponse> CheckCsrf(const HttpRequest& req, std::string_view secret);

}  // namespace keyward
