// The session cookie at the HTTP edge: reading it from Cookie, and the Set-Cookie values.
#include "http/session_auth.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

class OneHeader final : public HeaderSource {
 public:
  explicit OneHeader(std::string cookie) : cookie_(std::move(cookie)) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    if (name != "cookie") return std::nullopt;
    return std::string_view(cookie_);
  }

 private:
  std::string cookie_;
};

std::optional<std::string> CookieOf(const std::string& header) {
  OneHeader h(header);
  HttpRequest req;
  req.headers = &h;
  auto v = SessionCookie(req);
  if (!v) return std::nullopt;
  return std::string(*v);
}

TEST(SessionCookie, FindsItsValueAmongOthers) {
  EXPECT_EQ(CookieOf("keyward_session=abc"), "abc");
  EXPECT_EQ(CookieOf("theme=dark; keyward_session=abc; lang=en"), "abc");
  EXPECT_EQ(CookieOf("theme=dark;keyward_session=abc"), "abc");
  EXPECT_EQ(CookieOf("keyward_session="), "");
  EXPECT_EQ(CookieOf("other_keyward_session=abc"), std::nullopt);
  EXPECT_EQ(CookieOf("keyward_sessionx=abc"), std::nullopt);
  EXPECT_EQ(CookieOf("theme=dark"), std::nullopt);
  HttpRequest none;
  EXPECT_FALSE(SessionCookie(none).has_value());
}

TEST(SessionCookie, SetCookieValuesAreStrictAndHttpOnly) {
  EXPECT_EQ(SessionCookieValue("SECRET", 3600, false),
            "keyward_session=SECRET; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionCookieValue("SECRET", 3600, true),
            "keyward_session=SECRET; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(ClearedSessionCookieValue(false),
            "keyward_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
}

TEST(SessionCookie, OnlyGetAndHeadAreSafe) {
  EXPECT_TRUE(IsSafeMethod("GET"));
  EXPECT_TRUE(IsSafeMethod("HEAD"));
  for (std::string_view m : {"POST", "DELETE", "PUT", "PATCH", "OPTIONS"}) {
    EXPECT_FALSE(IsSafeMethod(m)) << m;
  }
}

}  // namespace
}  // namespace keyward
