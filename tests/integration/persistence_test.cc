// What survives a restart (API.md 2.2, 4, 9): keys, revocations, rolls, accounts, credit usage.
// Each test runs its own server and restarts it on the same data dir.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

TEST(PersistenceTest, KeySurvivesRestart) {
  KeywardProcess p;
  std::string account, token_id, key;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key());
    CreatedKey k = CreateKey(c, AdminFor(p.admin_key(), account), {{"name", "durable"}});
    token_id = k.id;
    key = k.key;
    ASSERT_EQ(Auth(c, key).status, 200);
  }
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c = p.Client();
  Response a = Auth(c, key);
  ASSERT_EQ(a.status, 200) << Describe(a);
  EXPECT_EQ(a.header("X-Keyward-Token-Id").value_or("<none>"), token_id);
  EXPECT_EQ(a.header("X-Keyward-Account").value_or("<none>"), account);
  Response t = c.Get("/v1/tokens/" + token_id, AdminFor(p.admin_key(), account));
  ASSERT_TRUE(IsOk(t));
  EXPECT_EQ(t.object().at("name"), "durable");
  EXPECT_EQ(t.object().at("status"), "active");
}

TEST(PersistenceTest, RevokedKeyStaysRevokedAfterRestart) {
  KeywardProcess p;
  std::string account;
  CreatedKey k;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key());
    k = CreateKey(c, AdminFor(p.admin_key(), account));
    RevokeKey(c, AdminFor(p.admin_key(), account), k.id);
    ASSERT_EQ(Auth(c, k.key).status, 401);
  }
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c = p.Client();
  EXPECT_TRUE(IsError(Auth(c, k.key), 401, "UNAUTHORIZED"));
  Response t = c.Get("/v1/tokens/" + k.id, AdminFor(p.admin_key(), account));
  ASSERT_TRUE(IsOk(t));
  EXPECT_EQ(t.object().at("status"), "revoked");
}

TEST(PersistenceTest, RolledKeysSurviveRestart) {
  KeywardProcess p;
  std::string account;
  CreatedKey a, a2, b, b2;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key());
    Headers h = AdminFor(p.admin_key(), account);
    a = CreateKey(c, h);
    a2 = RollKey(c, h, a.id, 0);
    b = CreateKey(c, h);
    b2 = RollKey(c, h, b.id, 3600);
  }
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c = p.Client();
  EXPECT_EQ(Auth(c, a.key).status, 401) << "rolled with 0: the old key stays dead";
  EXPECT_EQ(Auth(c, a2.key).status, 200);
  EXPECT_EQ(Auth(c, b.key).status, 200) << "rolled with a grace period: still valid";
  EXPECT_EQ(Auth(c, b2.key).status, 200);
}

TEST(PersistenceTest, AccountsAndAdminKeySurviveRestart) {
  KeywardProcess p;
  std::string account;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key(), {{"name", "Kept"}, {"credits", 42}});
  }
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c = p.Client();
  Response r = c.Get("/v1/accounts/" + account, Admin(p.admin_key()));
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(r.object().at("name"), "Kept");
  EXPECT_EQ(AsInt(r.object().at("credits")), 42);
}

TEST(PersistenceTest, KeyCreatedBeforeSigkillSurvives) {
  KeywardProcess p;
  std::string account;
  CreatedKey k, revoked;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key());
    k = CreateKey(c, AdminFor(p.admin_key(), account));
    revoked = CreateKey(c, AdminFor(p.admin_key(), account));
    RevokeKey(c, AdminFor(p.admin_key(), account), revoked.id);
  }
  p.Kill();  // writes commit before they are answered
  p.Start();
  HttpClient c = p.Client();
  EXPECT_EQ(Auth(c, k.key).status, 200);
  EXPECT_EQ(Auth(c, revoked.key).status, 401);
}

TEST(PersistenceTest, CreditUsageSurvivesCleanShutdown) {
  KeywardProcess p({.config_toml = "[credits]\ndefault_cost = 1\n"});
  std::string account;
  {
    HttpClient c = p.Client();
    account = CreateAccount(c, p.admin_key(), {{"credits", 100}});
    CreatedKey k = CreateKey(c, AdminFor(p.admin_key(), account));
    for (int i = 0; i < 5; ++i) ASSERT_EQ(Auth(c, k.key, "GET", "/v1/things").status, 200);
    Response v = Verify(c, k.key, "GET", "/v1/things");
    ASSERT_TRUE(IsOk(v));
    auto credits = v.object().at("credits").as_object();
    EXPECT_EQ(AsInt(credits.at("charged")), 1);
    EXPECT_EQ(AsInt(credits.at("balance")), 94) << "5 auths and this verify cost 1 each";
  }
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c = p.Client();
  Response r = c.Get("/v1/accounts/" + account, Admin(p.admin_key()));
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(AsInt(r.object().at("credits")), 94) << "usage is never lost on a clean shutdown";
}

TEST(PersistenceTest, QuotaExceededWhenCreditsRunOut) {
  KeywardProcess p({.config_toml = "[credits]\ndefault_cost = 1\n"});
  HttpClient c = p.Client();
  std::string account = CreateAccount(c, p.admin_key(), {{"credits", 2}});
  CreatedKey k = CreateKey(c, AdminFor(p.admin_key(), account));
  EXPECT_EQ(Auth(c, k.key).status, 200);
  EXPECT_EQ(Auth(c, k.key).status, 200);
  EXPECT_TRUE(IsError(Auth(c, k.key), 403, "QUOTA_EXCEEDED"));
  EXPECT_TRUE(IsError(Auth(c, k.key), 403, "QUOTA_EXCEEDED")) << "refused requests are not charged";
  ASSERT_EQ(p.Restart(), 0);
  HttpClient c2 = p.Client();
  Response r = c2.Get("/v1/accounts/" + account, Admin(p.admin_key()));
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(AsInt(r.object().at("credits")), 0);
  // A top-up lets it through again.
  ASSERT_TRUE(IsOk(c2.Post("/v1/accounts/" + account + "/credits", {{"amount", 1}}, Admin(p.admin_key()))));
  EXPECT_EQ(Auth(c2, k.key).status, 200);
  EXPECT_TRUE(IsError(Auth(c2, k.key), 403, "QUOTA_EXCEEDED"));
}

}  // namespace
}  // namespace keyward_it
