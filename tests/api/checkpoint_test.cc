// The admission checkpoint's status matrix, in process (api_fixture.h): which credentials
// each kind of route accepts and refuses (401 / 403 / 404 / 429), the route's permission, the
// Idempotency-Key gate (400, replay, 422, refusals not stored), 404 / 405 with Allow, and the
// failed-authentication throttle (401 → 429).
#include "http/checkpoint.h"

#include <gtest/gtest.h>

#include "api_fixture.h"

namespace keyward {
namespace {

using api_test::ApiFixture;
using api_test::TestRequest;

bool HasRateLimitHeaders(const HttpResponse& res) {
  return res.Find("X-RateLimit-Limit").has_value() && res.Find("RateLimit").has_value();
}

TestRequest Post(std::string target, std::string body) {
  TestRequest r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  return r;
}

TEST(CheckpointRouting, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  ApiFixture f;
  EXPECT_EQ(f.Call("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(f.Call("GET", "/v1/tokens/tok_1/nothing").status, 404);
  HttpResponse res = f.Call("DELETE", "/v1/tokens", f.secret());
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.Find("Allow"), "POST, GET");
  EXPECT_EQ(f.Call("PUT", "/v1/session").Find("Allow"), "POST, GET, DELETE");
}

TEST(CheckpointManagement, RefusesMissingMalformedAndConflictingCredentials) {
  ApiFixture f;
  HttpResponse missing = f.Call("GET", "/v1/tokens");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Find("WWW-Authenticate"), "Bearer realm=\"keyward\"");
  EXPECT_NE(missing.body.find("No API key was provided."), std::string::npos);

  HttpResponse malformed = f.Call("GET", "/v1/tokens", "sk_live_nonsense");
  EXPECT_EQ(malformed.status, 401);
  EXPECT_NE(malformed.Find("WWW-Authenticate")->find("invalid_token"), std::string::npos);

  TestRequest conflict;
  conflict.target = "/v1/tokens";
  conflict.Key(f.secret()).Header("x-api-key", f.NewKey(f.account()).key);
  HttpResponse res = f.Call(conflict);
  EXPECT_EQ(res.status, 401);
  EXPECT_NE(res.body.find("name different keys"), std::string::npos);
}

TEST(CheckpointManagement, AdmitsAdminAndAccountKeysWithRateLimitHeadersForKeys) {
  ApiFixture f;
  HttpResponse by_key = f.Call("GET", "/v1/tokens", f.secret());
  EXPECT_EQ(by_key.status, 200);
  EXPECT_TRUE(HasRateLimitHeaders(by_key));

  TestRequest admin;
  admin.target = "/v1/tokens";
  admin.Header("Keyward-Admin-Key", f.admin()).Header("Keyward-Account", f.account());
  HttpResponse by_admin = f.Call(admin);
  EXPECT_EQ(by_admin.status, 200);
  EXPECT_FALSE(HasRateLimitHeaders(by_admin));

  // A handler's own refusal carries the key's rate-limit headers as well.
  HttpResponse bad = f.Call("GET", "/v1/tokens?status=odd", f.secret());
  EXPECT_EQ(bad.status, 400);
  EXPECT_TRUE(HasRateLimitHeaders(bad));
}

TEST(CheckpointManagement, AKeyActsOnlyOnItsOwnAccountAndTheSandboxKeyNot) {
  ApiFixture f;
  TestRequest other;
  other.target = "/v1/tokens";
  other.Key(f.secret()).Header("Keyward-Account", f.NewAccount());
  HttpResponse res = f.Call(other);
  EXPECT_EQ(res.status, 403);
  EXPECT_TRUE(HasRateLimitHeaders(res));

  HttpResponse sandbox = f.Call("GET", "/v1/tokens", f.services().settings().sandbox.key);
  EXPECT_EQ(sandbox.status, 403);
  EXPECT_NE(sandbox.body.find("sandbox"), std::string::npos);
}

TEST(CheckpointManagement, AccountRoutesAreForAdminKeysOnly) {
  ApiFixture f;
  HttpResponse by_key = f.Call("GET", "/v1/accounts", f.secret());
  EXPECT_EQ(by_key.status, 403);
  EXPECT_NE(by_key.body.find("Only admin keys manage accounts."), std::string::npos);
  EXPECT_TRUE(HasRateLimitHeaders(by_key));
  EXPECT_EQ(f.Call("GET", "/v1/accounts", f.admin()).status, 200);
  EXPECT_EQ(f.Call("GET", "/v1/accounts/" + f.account(), f.admin()).status, 200);
}

TEST(CheckpointManagement, KeysOverTheirManagementLimitGet429WithRetryAfter) {
  ServiceSettings s = ApiFixture::DefaultSettings();
  s.plans["default"] = RateSpec{2, 60};
  ApiFixture f(s);
  EXPECT_EQ(f.Call("GET", "/v1/tokens", f.secret()).status, 200);
  EXPECT_EQ(f.Call("GET", "/v1/tokens", f.secret()).status, 200);
  HttpResponse limited = f.Call("GET", "/v1/tokens", f.secret());
  EXPECT_EQ(limited.status, 429);
  EXPECT_TRUE(limited.Find("Retry-After").has_value());
  EXPECT_TRUE(HasRateLimitHeaders(limited));
  // Admin keys have no such limit.
  TestRequest admin;
  admin.target = "/v1/tokens";
  admin.Header("Keyward-Admin-Key", f.admin()).Header("Keyward-Account", f.account());
  EXPECT_EQ(f.Call(admin).status, 200);
}

TEST(CheckpointPermission, CreditsNeedASecretKeyOrBillingRead) {
  ApiFixture f;
  EXPECT_EQ(f.Call("GET", "/v1/credits", f.secret()).status, 200);

  CreateTokenParams with;
  with.type = "restricted";
  with.permissions = std::vector<std::string>{"billing:read"};
  EXPECT_EQ(f.Call("GET", "/v1/credits", f.NewKey(f.account(), with).key).status, 200);

  CreateTokenParams without;
  without.type = "restricted";
  without.permissions = std::vector<std::string>{"tokens:read"};
  HttpResponse refused = f.Call("GET", "/v1/credits", f.NewKey(f.account(), without).key);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("This key may not read billing."), std::string::npos);
  EXPECT_TRUE(HasRateLimitHeaders(refused));

  CreateTokenParams publishable;
  publishable.type = "publishable";
  EXPECT_EQ(f.Call("GET", "/v1/credits", f.NewKey(f.account(), publishable).key).status, 403);

  // An admin key passes the permission but must name the account.
  EXPECT_EQ(f.Call("GET", "/v1/credits", f.admin()).status, 400);
}

TEST(CheckpointVerifier, VerificationRoutesAnswer404ToOtherPeers) {
  ApiFixture f;
  for (const char* target : {"/v1/auth", "/metrics"}) {
    TestRequest outsider;
    outsider.target = target;
    outsider.From("203.0.113.9");
    EXPECT_EQ(f.Call(outsider).status, 404) << target;
    // An admin key lets any peer in.
    outsider.Header("Keyward-Admin-Key", f.admin());
    EXPECT_NE(f.Call(outsider).status, 404) << target;
  }
  HttpResponse no_key = f.Call("GET", "/v1/auth");
  EXPECT_EQ(no_key.status, 401);
  EXPECT_TRUE(no_key.Find("X-Keyward-Error").has_value());
  HttpResponse valid = f.Call("GET", "/v1/auth", f.secret());
  EXPECT_EQ(valid.status, 200);
  EXPECT_EQ(valid.Find("X-Keyward-Account"), f.account());
}

TEST(CheckpointVerifier, AuthHonoursPreferReturnMinimalOnEveryAnswer) {
  ApiFixture f;
  TestRequest r;
  r.target = "/v1/auth";
  r.Header("Prefer", "return=minimal");
  HttpResponse refused = f.Call(r);
  EXPECT_EQ(refused.status, 401);
  EXPECT_TRUE(refused.body.empty());
  EXPECT_EQ(refused.Find("Preference-Applied"), "return=minimal");
  r.From("203.0.113.9");
  HttpResponse hidden = f.Call(r);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_TRUE(hidden.body.empty());
  r.From("127.0.0.1").Key(f.secret());
  HttpResponse valid = f.Call(r);
  EXPECT_EQ(valid.status, 200);
  EXPECT_TRUE(valid.body.empty());
  // Other routes ignore the preference.
  TestRequest health;
  health.target = "/healthz";
  health.Header("Prefer", "return=minimal");
  EXPECT_FALSE(f.Call(health).body.empty());
}

TEST(CheckpointSession, SessionRoutesNeedTheCookieAndWritesTheCsrfToken) {
  ApiFixture f;
  EXPECT_EQ(f.Call("GET", "/v1/session").status, 401);
  TestRequest unknown;
  unknown.target = "/v1/session";
  unknown.Header("Cookie", "keyward_session=nope");
  EXPECT_EQ(f.Call(unknown).status, 401);

  CreateAccountParams p;
  p.email = "person@example.com";
  p.password = "correct horse battery";
  ASSERT_TRUE(f.services().accounts().Create(p).ok());
  HttpResponse in = f.Call(Post("/v1/session", R"({"email":"person@example.com",)"
                                               R"("password":"correct horse battery"})"));
  ASSERT_EQ(in.status, 200) << in.body;
  std::string cookie(*in.Find("Set-Cookie"));
  cookie = cookie.substr(0, cookie.find(';'));

  TestRequest who;
  who.target = "/v1/session";
  who.Header("Cookie", cookie);
  EXPECT_EQ(f.Call(who).status, 200);
  // A session manages its own account's keys; writes need X-CSRF-Token.
  who.target = "/v1/tokens";
  EXPECT_EQ(f.Call(who).status, 200);
  TestRequest create = Post("/v1/tokens", R"({"name":"from the dashboard"})");
  create.Header("Cookie", cookie);
  EXPECT_EQ(f.Call(create).status, 403);
  who.target = "/v1/accounts";
  EXPECT_EQ(f.Call(who).status, 403);

  TestRequest out;
  out.method = "DELETE";
  out.target = "/v1/session";
  out.Header("Cookie", cookie);
  HttpResponse refused = f.Call(out);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("X-CSRF-Token"), std::string::npos);
}

TEST(CheckpointIdempotency, AnInvalidKeyIs400BeforeAuthentication) {
  ApiFixture f;
  TestRequest r = Post("/v1/tokens", R"({"name":"x"})");
  r.Header("Idempotency-Key", "");
  EXPECT_EQ(f.Call(r).status, 400);
}

TEST(CheckpointIdempotency, ReplaysWithoutTheKeyAndRefusesADifferentRequest) {
  ApiFixture f;
  TestRequest r = Post("/v1/tokens", R"({"name":"once"})");
  r.Key(f.secret()).Header("Idempotency-Key", "create-once");
  HttpResponse first = f.Call(r);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_NE(first.body.find("\"key\""), std::string::npos);

  HttpResponse again = f.Call(r);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.Find("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.body.find("\"key\""), std::string::npos);

  r.body = R"({"name":"twice"})";
  EXPECT_EQ(f.Call(r).status, 422);
}

TEST(CheckpointIdempotency, RefusalsAreNotStoredSoACorrectedRetryRuns) {
  ApiFixture f;
  TestRequest r = Post("/v1/accounts/" + f.account() + "/credits", R"({"amount":5})");
  r.Header("Idempotency-Key", "add-credits");
  // No credential: refused before the gate.
  EXPECT_EQ(f.Call(r).status, 401);
  // An account key on an admin route: identified, claimed, refused, released.
  r.Key(f.secret());
  EXPECT_EQ(f.Call(r).status, 403);
  EXPECT_EQ(f.Call(r).status, 403);
  // The same key under the admin's scope runs, once.
  TestRequest admin = Post("/v1/accounts/" + f.account() + "/credits", R"({"amount":5})");
  admin.Header("Keyward-Admin-Key", f.admin()).Header("Idempotency-Key", "add-credits");
  HttpResponse ran = f.Call(admin);
  EXPECT_EQ(ran.status, 200) << ran.body;
  EXPECT_FALSE(ran.Find("Idempotent-Replayed").has_value());
  EXPECT_EQ(f.Call(admin).Find("Idempotent-Replayed"), "true");
}

TEST(CheckpointThrottle, RepeatedFailedAuthenticationsFromOneAddressBecome429) {
  ApiFixture f(ApiFixture::DefaultSettings(), /*auth_failures_per_minute=*/2);
  TestRequest r;
  r.target = "/v1/tokens";
  r.From("198.51.100.7");
  EXPECT_EQ(f.Call(r).status, 401);
  EXPECT_EQ(f.Call(r).status, 401);
  HttpResponse throttled = f.Call(r);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_TRUE(throttled.Find("Retry-After").has_value());
  // Loopback is never throttled.
  r.From("127.0.0.1");
  for (int i = 0; i < 4; ++i) EXPECT_EQ(f.Call(r).status, 401);
}

}  // namespace
}  // namespace keyward
