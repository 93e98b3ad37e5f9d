#include "service/token_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::Restricted;
using testing::TestServices;

TEST(TokenService, CreateReturnsTheKeyOnceAndStoresOnlyItsHash) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto issued = t.NewKey(account);
  EXPECT_TRUE(issued.key.starts_with("sk_live_"));
  EXPECT_EQ(issued.row.key_prefix, issued.key.substr(0, 12));
  EXPECT_EQ(issued.row.last4, issued.key.substr(issued.key.size() - 4));
  EXPECT_EQ(issued.row.key_hash, Sha256(issued.key));
  auto stored = t->store().GetToken(account, issued.row.id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->key_hash, Sha256(issued.key));
}

TEST(TokenService, ValidatesItsInput) {
  TestServices t;
  Principal admin = Principal::Admin(t.NewAccount());
  auto expect_param = [&](CreateTokenParams p, const std::string& param) {
    auto r = t->tokens().Create(admin, p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidRequest);
    EXPECT_EQ(r.error().param(), param);
  };
  CreateTokenParams p;
  expect_param(p, "name");
  p.name = std::string(101, 'n');
  expect_param(p, "name");
  p.name = "ok";
  p.type = "admin";
  expect_param(p, "type");
  p.type = "restricted";
  expect_param(p, "permissions");
  p.permissions = std::vector<std::string>{"Bad Perm"};
  expect_param(p, "permissions");
  p.type = "secret";
  p.permissions = std::vector<std::string>{"a:b"};
  expect_param(p, "permissions");
  p.permissions.reset();
  p.expires_at = t.clock.NowUnix();
  expect_param(p, "expires_at");
}

TEST(TokenService, AdminWithoutAccountIsRefused) {
  TestServices t;
  CreateTokenParams p;
  p.name = "x";
  auto r = t->tokens().Create(Principal::Admin(""), p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().param(), "Keyward-Account");
  auto r2 = t->tokens().Create(Principal::Admin("acct_000000000000000000000000"), p);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().param(), "Keyward-Account");
}

TEST(TokenService, RestrictedKeysCannotEscalate) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto parent = t.NewKey(account, Restricted({"tokens:write", "files:read"}));
  Principal who = t.KeyPrincipal(parent.key);

  EXPECT_TRUE(t->tokens().Create(who, Restricted({"files:read"})).ok());
  auto escalate = t->tokens().Create(who, Restricted({"files:write"}));
  ASSERT_FALSE(escalate.ok());
  EXPECT_EQ(escalate.error().code(), ErrorCode::kForbidden);
  auto wildcard = t->tokens().Create(who, Restricted({"files:*"}));
  EXPECT_EQ(wildcard.error().code(), ErrorCode::kForbidden);
  CreateTokenParams secret;
  secret.name = "secret";
  EXPECT_EQ(t->tokens().Create(who, secret).error().code(), ErrorCode::kForbidden);
}

TEST(TokenService, RestrictedKeyNeedsTokensPermissions) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto reader = t.NewKey(account, Restricted({"tokens:read"}));
  Principal who = t.KeyPrincipal(reader.key);
  EXPECT_TRUE(t->tokens().List(who, TokenFilter::kAll, {}).ok());
  EXPECT_EQ(t->tokens().Create(who, Restricted({"tokens:read"})).error().code(),
            ErrorCode::kForbidden);
  EXPECT_EQ(t->tokens().Revoke(who, reader.row.id).error().code(), ErrorCode::kForbidden);
}

TEST(TokenService, PublishableKeysNeverManageKeys) {
  TestServices t;
  CreateTokenParams p;
  p.type = "publishable";
  auto pk = t.NewKey(t.NewAccount(), p);
  Principal who = t.KeyPrincipal(pk.key);
  EXPECT_EQ(t->tokens().List(who, TokenFilter::kAll, {}).error().code(), ErrorCode::kForbidden);
}

TEST(TokenService, TestModeKeysCreateOnlyTestModeKeys) {
  TestServices t;
  CreateTokenParams p;
  p.livemode = false;
  auto test_key = t.NewKey(t.NewAccount(), p);
  EXPECT_TRUE(test_key.key.starts_with("sk_test_"));
  Principal who = t.KeyPrincipal(test_key.key);
  CreateTokenParams child;
  child.name = "child";
  auto made = t->tokens().Create(who, child);
  ASSERT_TRUE(made.ok());
  EXPECT_FALSE(made->row.livemode);  // defaults to the creating key's mode
  child.livemode = true;
  EXPECT_EQ(t->tokens().Create(who, child).error().code(), ErrorCode::kForbidden);
}

TEST(TokenService, AccountsAreIsolated) {
  TestServices t;
  const std::string a = t.NewAccount(), b = t.NewAccount();
  auto key_a = t.NewKey(a);
  auto key_b = t.NewKey(b);
  Principal who = t.KeyPrincipal(key_a.key);
  EXPECT_EQ(t->tokens().Get(who, key_b.row.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(t->tokens().Revoke(who, key_b.row.id).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(t->tokens().Roll(who, key_b.row.id, 0).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(t->verifier().Verify(key_b.key, "GET", "/").valid());
}

TEST(TokenService, RollWithoutGraceRevokesTheOldKeyNow) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto old = t.NewKey(account, Restricted({"a:b"}));
  auto rolled = t->tokens().Roll(Principal::Admin(account), old.row.id, 0);
  ASSERT_TRUE(rolled.ok());
  EXPECT_NE(rolled->row.id, old.row.id);
  EXPECT_EQ(rolled->row.name, old.row.name);
  EXPECT_EQ(rolled->row.type, KeyType::kRestricted);
  EXPECT_EQ(rolled->row.permissions, old.row.permissions);
  EXPECT_FALSE(t->verifier().Verify(old.key, "GET", "/").valid());
  EXPECT_TRUE(t->verifier().Verify(rolled->key, "GET", "/").valid());
}

TEST(TokenService, RollWithGraceKeepsTheOldKeyUntilThen) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto old = t.NewKey(account);
  auto rolled = t->tokens().Roll(Principal::Admin(account), old.row.id, 3600);
  ASSERT_TRUE(rolled.ok());
  EXPECT_TRUE(t->verifier().Verify(old.key, "GET", "/").valid());
  t.clock.AdvanceSeconds(3600);
  EXPECT_FALSE(t->verifier().Verify(old.key, "GET", "/").valid());
  EXPECT_TRUE(t->verifier().Verify(rolled->key, "GET", "/").valid());
  auto bad = t->tokens().Roll(Principal::Admin(account), rolled->row.id, 604801);
  EXPECT_EQ(bad.error().param(), "expires_in_seconds");
}

TEST(TokenService, RollingARevokedKeyIsNotFound) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto old = t.NewKey(account);
  ASSERT_TRUE(t->tokens().Revoke(Principal::Admin(account), old.row.id).ok());
  EXPECT_EQ(t->tokens().Roll(Principal::Admin(account), old.row.id, 0).error().code(),
            ErrorCode::kNotFound);
}

TEST(TokenService, RevokeIsVisibleToEveryVerificationThatStartsAfterIt) {
  TestServices t;
  const std::string account = t.NewAccount();
  auto key = t.NewKey(account);
  std::atomic<bool> revoked{false}, stop{false};
  std::atomic<int> late_valid{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      while (!stop) {
        const bool after = revoked.load();
        Verdict v = t->verifier().Verify(key.key, "GET", "/", "", Consume::kNo);
        if (after && v.valid()) ++late_valid;
      }
    });
  }
  ASSERT_TRUE(t->tokens().Revoke(Principal::Admin(account), key.row.id).ok());
  revoked = true;
  for (int i = 0; i < 1000 && late_valid == 0; ++i) std::this_thread::yield();
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(late_valid.load(), 0);
}

}  // namespace
}  // namespace keyward
