// The Store conformance suite (store.h's contract, run against every engine): the backends'
// factory type, the fixture and the helpers shared by store_conformance*_test.cc. Test-only.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.h"
#include "store/store_test_util.h"

namespace keyward::conformance {

using testing_util::HashOf;
using testing_util::kNow;
using testing_util::MakeAccount;
using testing_util::MakeAdminKey;
using testing_util::MakeToken;
using testing_util::ScratchDir;
using V = std::vector<std::string>;

// An engine: a factory that makes an empty store whose files (if any) go under a scratch directory.
struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<Store>(const ScratchDir& dir)> make;
};

inline auto AccountFields(const AccountRow& a) {
  return std::tie(a.id, a.email, a.name, a.credits, a.credits_used, a.plan, a.password_hash,
                  a.created);
}
inline auto TokenFields(const TokenRow& t) {
  return std::tie(t.id, t.account_id, t.name, t.type, t.key_hash, t.key_prefix, t.last4,
                  t.permissions, t.livemode, t.created, t.expires_at, t.revoked_at, t.last_used_at,
                  t.metadata, t.ip_allowlist, t.disabled_at, t.imported);
}
inline auto AdminKeyFields(const AdminKeyRow& k) {
  return std::tie(k.id, k.name, k.key_hash, k.key_prefix, k.last4, k.created, k.revoked_at);
}

template <class T>
inline std::vector<std::string> Ids(const Page<T>& page) {
  std::vector<std::string> ids;
  for (const T& row : page.items) ids.push_back(row.id);
  return ids;
}

inline ListOptions Options(int limit, std::string starting_after = {}) {
  ListOptions o;
  o.limit = limit;
  o.starting_after = std::move(starting_after);
  return o;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { store_.reset(); }  // before the scratch directory goes

  Store& store() { return *store_; }

  void CreateAccount(const std::string& id, const std::string& email = {}) {
    ASSERT_TRUE(store().CreateAccount(MakeAccount(id, email)).ok()) << id;
  }
  void InsertToken(const TokenRow& token) {
    Status s = store().InsertToken(token);
    ASSERT_TRUE(s.ok()) << s.error().message();
  }
  TokenRow GetTokenOrDie(const std::string& account, const std::string& id) {
    Result<std::optional<TokenRow>> t = store().GetToken(account, id);
    EXPECT_TRUE(t.ok());
    EXPECT_TRUE(t.ok() && t->has_value()) << id;
    return t.ok() && t->has_value() ? **t : TokenRow{};
  }
  std::vector<std::string> ListTokenIds(const std::string& account, TokenFilter filter,
                                        int limit = 100, const std::string& after = {}) {
    Result<Page<TokenRow>> page = store().ListTokens(account, filter, kNow, Options(limit, after));
    EXPECT_TRUE(page.ok());
    return page.ok() ? Ids(*page) : std::vector<std::string>{};
  }

  // acct_1, oldest to newest: active, revoked, expired (at exactly now), future expiry,
  // revoked and expired, long expired. acct_2 has one active token between them.
  void InsertTokensForLists() {
    CreateAccount("acct_1");
    CreateAccount("acct_2");
    TokenRow active = MakeToken("tok_active", "acct_1", 1);
    TokenRow revoked = MakeToken("tok_revoked", "acct_1", 2);
    revoked.revoked_at = kNow - 10;
    TokenRow other = MakeToken("tok_other", "acct_2", 3);
    TokenRow expired_now = MakeToken("tok_expired_now", "acct_1", 4);
    expired_now.expires_at = kNow;
    TokenRow future = MakeToken("tok_future", "acct_1", 5);
    future.expires_at = kNow + 1;
    TokenRow both = MakeToken("tok_revoked_expired", "acct_1", 6);
    both.expires_at = kNow - 100;
    both.revoked_at = kNow - 50;
    TokenRow old = MakeToken("tok_expired_old", "acct_1", 7);
    old.expires_at = kNow - 1000;
    for (const TokenRow& t : {active, revoked, other, expired_now, future, both, old}) {
      InsertToken(t);
    }
  }

  ScratchDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace keyward::conformance
