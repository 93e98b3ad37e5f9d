// Dashboard session cookies at the HTTP edge (API.md 8): reading the session cookie, building the
// Set-Cookie values, and admitting a cookie-authenticated request — with the X-CSRF-Token check
// every cookie-authenticated write needs. Pure apart from the session lookup; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/api.h"
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
// unknown or expired; 403 FORBIDDEN when `need_csrf` and X-CSRF-Token is missing or wrong; 503 when
// the store fails.
std::variant<SessionCaller, HttpResponse> AuthenticateSession(Api& api, const HttpRequest& req,
                                                              bool need_csrf);

}  // namespace keyward
