#include "service/session_service.h"

#include <gtest/gtest.h>

#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::TestServices;

constexpr std::string_view kIp = "192.0.2.1";

TEST(SessionService, SignUpStartsASessionAndStoresOnlyAHash) {
  TestServices sv;
  auto in = sv->sessions().SignUp("new@example.com", "correct horse", "", kIp, nullptr);
  ASSERT_TRUE(in.ok()) << in.error().message();
  EXPECT_EQ(in->secret.size(), SessionService::kSecretLength);
  EXPECT_EQ(in->csrf_token, SessionService::CsrfToken(in->secret));
  EXPECT_NE(in->csrf_token, in->secret);
  EXPECT_TRUE(in->account.password_hash.empty());
  EXPECT_EQ(in->expires_at, sv.clock.NowUnix() + 7 * 86400);

  auto stored = sv.store_ptr->FindSession(Sha256(in->secret));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->account_id, in->account.id);
  auto account = sv.store_ptr->GetAccountByEmail("new@example.com");
  ASSERT_TRUE(account.ok() && account->has_value());
  EXPECT_TRUE((*account)->password_hash.starts_with("$argon2id$"));

  auto found = sv->sessions().Find(in->secret);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->account_id, in->account.id);
}

TEST(SessionService, SignUpValidatesAndCanBeTurnedOff) {
  TestServices sv;
  auto short_pw = sv->sessions().SignUp("a@example.com", "short", "", kIp, nullptr);
  ASSERT_FALSE(short_pw.ok());
  EXPECT_EQ(short_pw.error().param(), "password");
  auto no_pw = sv->sessions().SignUp("a@example.com", "", "", kIp, nullptr);
  ASSERT_FALSE(no_pw.ok());
  EXPECT_EQ(no_pw.error().param(), "password");
  auto bad_email = sv->sessions().SignUp("nope", "long enough", "", kIp, nullptr);
  ASSERT_FALSE(bad_email.ok());
  EXPECT_EQ(bad_email.error().param(), "email");
  ASSERT_TRUE(sv->sessions().SignUp("a@example.com", "long enough", "", kIp, nullptr).ok());
  auto taken = sv->sessions().SignUp("A@example.com", "long enough", "", kIp, nullptr);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().param(), "email");

  ServiceSettings closed;
  closed.dashboard.signup = false;
  TestServices off(closed);
  auto refused = off->sessions().SignUp("b@example.com", "long enough", "", kIp, nullptr);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kForbidden);
}

TEST(SessionService, EverySignInFailureIsTheSameAnswer) {
  TestServices sv;
  ASSERT_TRUE(sv->sessions().SignUp("p@example.com", "the password", "", kIp, nullptr).ok());
  CreateAccountParams no_password;
  no_password.email = "nopw@example.com";
  ASSERT_TRUE(sv->accounts().Create(Principal::Admin({}), no_password).ok());

  const std::pair<std::string, std::string> attempts[] = {
      {"p@example.com", "wrong password"},
      {"missing@example.com", "the password"},
      {"nopw@example.com", ""},
      {"nopw@example.com", "anything at all"},
      {"", ""},
      {"p@example.com", std::string(300, 'x')},
  };
  for (const auto& [email, password] : attempts) {
    auto r = sv->sessions().SignIn(email, password, kIp, nullptr);
    ASSERT_FALSE(r.ok()) << email;
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthorized) << email;
    EXPECT_EQ(r.error().message(), SessionService::kSignInFailed) << email;
    EXPECT_TRUE(r.error().param().empty());
  }
  auto ok = sv->sessions().SignIn("P@EXAMPLE.com", "the password", kIp, nullptr);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->account.email, "p@example.com");
}

TEST(SessionService, SignInAttemptsAreLimitedPerAccountAndPerIp) {
  ServiceSettings s;
  s.dashboard.signin_per_account = RateSpec{3, 60};
  s.dashboard.signin_per_ip = RateSpec{5, 60};
  TestServices sv(s);
  ASSERT_TRUE(
      sv->sessions().SignUp("v@example.com", "the password", "", "198.51.100.9", nullptr).ok());
  // Per account: three attempts from different addresses, then refused even with the right one.
  for (int i = 0; i < 3; ++i) {
    auto r = sv->sessions().SignIn("v@example.com", "bad", "10.0.0." + std::to_string(i), nullptr);
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthorized);
  }
  int64_t retry = 0;
  auto limited = sv->sessions().SignIn("v@example.com", "the password", "10.0.1.1", &retry);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code(), ErrorCode::kRateLimited);
  EXPECT_GE(retry, 1);
  // Per IP: five attempts at different accounts, then refused.
  for (int i = 0; i < 5; ++i) {
    auto r =
        sv->sessions().SignIn("u" + std::to_string(i) + "@example.com", "x", "10.9.9.9", nullptr);
    EXPECT_EQ(r.error().code(), ErrorCode::kUnauthorized);
  }
  auto by_ip = sv->sessions().SignIn("other@example.com", "x", "10.9.9.9", nullptr);
  EXPECT_EQ(by_ip.error().code(), ErrorCode::kRateLimited);
  // Time refills the buckets.
  sv.clock.AdvanceSeconds(60);
  EXPECT_TRUE(sv->sessions().SignIn("v@example.com", "the password", "10.0.1.1", nullptr).ok());
}

TEST(SessionService, SessionsExpireAndEndOnSignOut) {
  TestServices sv;
  auto in = sv->sessions().SignUp("e@example.com", "the password", "", kIp, nullptr);
  ASSERT_TRUE(in.ok());
  sv.clock.AdvanceSeconds(7 * 86400 - 1);
  EXPECT_TRUE(sv->sessions().Find(in->secret)->has_value());
  sv.clock.AdvanceSeconds(1);
  EXPECT_FALSE(sv->sessions().Find(in->secret)->has_value());
  auto purged = sv->sessions().PurgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);

  auto again = sv->sessions().SignIn("e@example.com", "the password", kIp, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(sv->sessions().Find(again->secret)->has_value());
  ASSERT_TRUE(sv->sessions().SignOut(again->secret).ok());
  EXPECT_FALSE(sv->sessions().Find(again->secret)->has_value());
}

TEST(SessionService, FindRejectsMalformedSecretsWithoutALookup) {
  TestServices sv;
  for (std::string_view s : {"", "short", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"}) {
    auto r = sv->sessions().Find(s);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
  }
}

TEST(SessionService, CsrfTokensMatchOnlyTheirSession) {
  const std::string a(43, 'a'), b(43, 'b');
  EXPECT_TRUE(SessionService::CsrfMatches(a, SessionService::CsrfToken(a)));
  EXPECT_FALSE(SessionService::CsrfMatches(a, SessionService::CsrfToken(b)));
  EXPECT_FALSE(SessionService::CsrfMatches(a, ""));
  EXPECT_FALSE(SessionService::CsrfMatches(a, a));
}

}  // namespace
}  // namespace keyward
