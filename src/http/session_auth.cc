#include "http/session_auth.h"

#include "http/errors.h"

namespace keyward {

std::optional<std::string_view> SessionCookie(const HttpRequest& req) {
  auto header = req.Header("cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != kSessionCookieName) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return value;
  }
  return std::nullopt;
}

std::string SessionCookieValue(std::string_view secret, int64_t max_age_s, bool secure) {
  std::string v(kSessionCookieName);
  v.append("=").append(secret).append("; Path=/; Max-Age=").append(std::to_string(max_age_s));
  v.append("; HttpOnly; SameSite=Strict");
  if (secure) v.append("; Secure");
  return v;
}

std::string ClearedSessionCookieValue(bool secure) {
  return SessionCookieValue("", 0, secure);
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD";
}

std::variant<SessionCaller, HttpResponse> FindSession(SessionService& sessions,
                                                      const HttpRequest& req) {
  auto cookie = SessionCookie(req);
  if (!cookie || cookie->empty()) {
    return ErrorResponse(Error(ErrorCode::kUnauthorized, "Sign in first."), req.request_id,
                         /*credential_missing=*/true);
  }
  auto found = sessions.Find(*cookie);
  if (!found.ok()) return ErrorResponse(found.error(), req.request_id);
  if (!*found) {
    return ErrorResponse(Error(ErrorCode::kUnauthorized, "The session has ended. Sign in again."),
                         req.request_id);
  }
  return SessionCaller{std::string(*cookie), std::move(**found)};
}

std::optional<HttpResponse> CheckCsrf(const HttpRequest& req, std::string_view secret) {
  auto csrf = req.Header("x-csrf-token");
  if (csrf && SessionService::CsrfMatches(secret, *csrf)) return std::nullopt;
  return ErrorResponse(
      Error(ErrorCode::kForbidden, "This request needs the session's X-CSRF-Token header."),
      req.request_id);
}

}  // namespace keyward
