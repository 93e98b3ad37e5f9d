// The Store contract (store.h), run against every backend. A backend is a factory that makes an
// empty store whose files (if any) go under a scratch directory. PostgreSQL: one throwaway server
// per test process (tests/support/postgres_server.h), a fresh database per test.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/sha256.h"
#include "postgres_server.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "store/store_test_util.h"

namespace keyward {
namespace {

using testing_util::HashOf;
using testing_util::kNow;
using testing_util::MakeAccount;
using testing_util::MakeAdminKey;
using testing_util::MakeToken;
using testing_util::ScratchDir;
using V = std::vector<std::string>;

struct StoreBackend {
  std::string name;
  std::function<std::unique_ptr<Store>(const ScratchDir& dir)> make;
};

std::unique_ptr<Store> MakeSqlite(const ScratchDir& dir) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.File("keyward.db"));
  if (!store.ok()) {
    ADD_FAILURE() << store.error().message();
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> MakePostgres(const ScratchDir&) {
  try {
    keyward_test::PostgresServer::Database db =
        keyward_test::SharedPostgresServer().CreateDatabase();
    Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(db.url);
    if (!store.ok()) {
      ADD_FAILURE() << store.error().message();
      return nullptr;
    }
    return std::move(store).value();
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return nullptr;
  }
}

const StoreBackend kBackends[] = {
    {"Sqlite", MakeSqlite},
    {"Postgres", MakePostgres},
};

auto AccountFields(const AccountRow& a) {
  return std::tie(a.id, a.email, a.name, a.credits, a.credits_used, a.plan, a.password_hash,
                  a.created);
}
auto TokenFields(const TokenRow& t) {
  return std::tie(t.id, t.account_id, t.name, t.type, t.key_hash, t.key_prefix, t.last4,
                  t.permissions, t.livemode, t.created, t.expires_at, t.revoked_at, t.last_used_at);
}
auto AdminKeyFields(const AdminKeyRow& k) {
  return std::tie(k.id, k.name, k.key_hash, k.key_prefix, k.last4, k.created, k.revoked_at);
}

template <class T>
std::vector<std::string> Ids(const Page<T>& page) {
  std::vector<std::string> ids;
  for (const T& row : page.items) ids.push_back(row.id);
  return ids;
}

ListOptions Options(int limit, std::string starting_after = {}) {
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

// --- access tokens ---

TEST_P(StoreConformanceTest, AccessTokensAreFoundByHashListedWhileLiveAndPurged) {
  CreateAccount("acct_1");
  TokenRow parent = MakeToken("tok_parent", "acct_1", 1);
  InsertToken(parent);
  auto make = [&](uint8_t n, int64_t expires_at) {
    AccessTokenRow at;
    at.token_hash[0] = n;
    at.token_hash[31] = 0xA5;
    at.parent_id = parent.id;
    at.parent_hash = parent.key_hash;
    at.account_id = "acct_1";
    at.created = kNow;
    at.expires_at = expires_at;
    return at;
  };
  ASSERT_TRUE(store().InsertAccessToken(make(1, kNow + 60)).ok());
  ASSERT_TRUE(store().InsertAccessToken(make(2, kNow - 10)).ok());
  EXPECT_FALSE(store().InsertAccessToken(make(1, kNow + 60)).ok());  // duplicate hash
  AccessTokenRow orphan = make(3, kNow + 60);
  orphan.parent_id = "tok_missing";
  EXPECT_FALSE(store().InsertAccessToken(orphan).ok());

  auto found = store().FindAccessTokenByHash(make(1, 0).token_hash);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->parent_id, "tok_parent");
  EXPECT_EQ((*found)->parent_hash, parent.key_hash);
  EXPECT_EQ((*found)->expires_at, kNow + 60);
  EXPECT_FALSE(store().FindAccessTokenByHash(make(9, 0).token_hash)->has_value());

  int live = 0;
  ASSERT_TRUE(store().ForEachAccessToken(kNow, [&](AccessTokenRow&&) { ++live; }).ok());
  EXPECT_EQ(live, 1);
  auto purged = store().PurgeAccessTokens(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(store().FindAccessTokenByHash(make(2, 0).token_hash)->has_value());
  EXPECT_TRUE(store().FindAccessTokenByHash(make(1, 0).token_hash)->has_value());
}

// --- idempotency ---

TEST_P(StoreConformanceTest, IdempotencyKeysAreClaimedOnceCompletedReleasedAndPurged) {
  IdempotencyRecord claim;
  claim.scope = "acct_1";
  claim.key = "k1";
  claim.fingerprint[0] = 7;
  claim.created = kNow;
  auto first = store().ClaimIdempotencyKey(claim, kNow - 60);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->claimed);
  auto second = store().ClaimIdempotencyKey(claim, kNow - 60);  // still running
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->claimed);
  ASSERT_TRUE(second->existing.has_value());
  EXPECT_FALSE(second->existing->done);
  EXPECT_EQ(second->existing->fingerprint, claim.fingerprint);

  ASSERT_TRUE(store().CompleteIdempotencyKey("acct_1", "k1", 200, R"({"id":"tok_x"})").ok());
  auto third = store().ClaimIdempotencyKey(claim, kNow + 1000);  // done records never go stale
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->claimed);
  EXPECT_TRUE(third->existing->done);
  EXPECT_EQ(third->existing->status, 200);
  EXPECT_EQ(third->existing->body, R"({"id":"tok_x"})");

  IdempotencyRecord other = claim;
  other.scope = "acct_2";  // same key, another account: independent
  EXPECT_TRUE(store().ClaimIdempotencyKey(other, kNow - 60)->claimed);
  ASSERT_TRUE(store().ReleaseIdempotencyKey("acct_2", "k1").ok());
  EXPECT_TRUE(store().ClaimIdempotencyKey(other, kNow - 60)->claimed);

  IdempotencyRecord stale = claim;
  stale.key = "k2";
  stale.created = kNow - 100;
  ASSERT_TRUE(store().ClaimIdempotencyKey(stale, kNow - 60)->claimed);
  stale.created = kNow;
  EXPECT_TRUE(store().ClaimIdempotencyKey(stale, kNow - 60)->claimed);  // the first one died

  auto purged = store().PurgeIdempotencyKeys(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 3);
  EXPECT_TRUE(store().ClaimIdempotencyKey(claim, kNow - 60)->claimed);
}

// --- credit usage ---

TEST_P(StoreConformanceTest, RecordCreditUsageChargesAndCountsButNeverGoesNegative) {
  AccountRow limited = MakeAccount("acct_l", "l@example.com");
  limited.credits = 10;
  limited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(limited).ok());
  AccountRow unlimited = MakeAccount("acct_u", "u@example.com");
  unlimited.credits = std::nullopt;
  unlimited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());
  ASSERT_TRUE(store().RecordCreditUsage({{"acct_l", 4}, {"acct_u", 7}, {"acct_missing", 1}}).ok());
  auto l = store().GetAccount("acct_l");
  ASSERT_TRUE(l.ok() && l->has_value());
  EXPECT_EQ((*l)->credits, 6);
  EXPECT_EQ((*l)->credits_used, 4);
  auto u = store().GetAccount("acct_u");
  EXPECT_EQ((*u)->credits, std::nullopt);
  EXPECT_EQ((*u)->credits_used, 7);
  ASSERT_TRUE(store().RecordCreditUsage({{"acct_l", 100}}).ok());
  l = store().GetAccount("acct_l");
  EXPECT_EQ((*l)->credits, 0);
  EXPECT_EQ((*l)->credits_used, 104);
}

// --- bulk insert ---

TEST_P(StoreConformanceTest, InsertTokensKeepsAllOrNothing) {
  CreateAccount("acct_1");
  std::vector<TokenRow> batch;
  for (int i = 0; i < 50; ++i) batch.push_back(MakeToken("tok_b" + std::to_string(i), "acct_1", i));
  ASSERT_TRUE(store().InsertTokens(batch).ok());
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kAll).size(), 50u);

  std::vector<TokenRow> bad = {MakeToken("tok_new1", "acct_1", 100),
                               MakeToken("tok_b3", "acct_1", 101)};  // duplicate id
  EXPECT_FALSE(store().InsertTokens(bad).ok());
  Result<std::optional<TokenRow>> t = store().GetToken("acct_1", "tok_new1");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->has_value());
}

// --- accounts ---

TEST_P(StoreConformanceTest, CreateThenGetAccountReturnsEveryField) {
  AccountRow a = MakeAccount("acct_1", "Ada@Example.com");
  ASSERT_TRUE(store().CreateAccount(a).ok());
  AccountRow unlimited = MakeAccount("acct_2", "bob@example.com");
  unlimited.credits = std::nullopt;
  unlimited.password_hash = "";
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());

  Result<std::optional<AccountRow>> got = store().GetAccount("acct_1");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(AccountFields(**got), AccountFields(a));
  got = store().GetAccount("acct_2");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(AccountFields(**got), AccountFields(unlimited));
}

TEST_P(StoreConformanceTest, UnknownAccountIsNotFoundNotAnError) {
  Result<std::optional<AccountRow>> got = store().GetAccount("acct_missing");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  got = store().GetAccountByEmail("nobody@example.com");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, GetAccountByEmailIgnoresCase) {
  CreateAccount("acct_1", "Ada@Example.com");
  Result<std::optional<AccountRow>> got = store().GetAccountByEmail("ada@EXAMPLE.COM");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->id, "acct_1");
  EXPECT_EQ((*got)->email, "Ada@Example.com");  // stored as given
}

TEST_P(StoreConformanceTest, DuplicateEmailInAnyCaseIsInvalidRequestOnEmail) {
  CreateAccount("acct_1", "ada@example.com");
  Status s = store().CreateAccount(MakeAccount("acct_2", "ADA@example.COM"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(s.error().param(), "email");
  Result<std::optional<AccountRow>> second = store().GetAccount("acct_2");
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_P(StoreConformanceTest, EmptyEmailMayRepeatAndIsNeverFound) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  CreateAccount("acct_3");
  Result<std::optional<AccountRow>> got = store().GetAccount("acct_2");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->email, "");
  got = store().GetAccountByEmail("");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, DuplicateAccountIdIsInternalError) {
  CreateAccount("acct_1", "a@example.com");
  Status s = store().CreateAccount(MakeAccount("acct_1", "b@example.com"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternalError);
}

TEST_P(StoreConformanceTest, ListAccountsEmpty) {
  Result<Page<AccountRow>> page = store().ListAccounts(Options(10));
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->has_more);
}

TEST_P(StoreConformanceTest, ListAccountsNewestFirstInPages) {
  for (int i = 1; i <= 5; ++i) CreateAccount("acct_" + std::to_string(i));

  Result<Page<AccountRow>> page = store().ListAccounts(Options(2));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_5", "acct_4"}));
  EXPECT_TRUE(page->has_more);
  EXPECT_EQ(AccountFields(page->items[0]), AccountFields(MakeAccount("acct_5")));

  page = store().ListAccounts(Options(2, "acct_4"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_3", "acct_2"}));
  EXPECT_TRUE(page->has_more);

  page = store().ListAccounts(Options(2, "acct_2"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"acct_1"}));
  EXPECT_FALSE(page->has_more);

  page = store().ListAccounts(Options(5));  // exactly all: no more
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), 5u);
  EXPECT_FALSE(page->has_more);

  page = store().ListAccounts(Options(10, "acct_1"));  // after the oldest: empty
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  EXPECT_FALSE(page->has_more);
}

TEST_P(StoreConformanceTest, ListAccountsUnknownStartingAfterIsInvalidRequest) {
  CreateAccount("acct_1");
  Result<Page<AccountRow>> page = store().ListAccounts(Options(10, "acct_missing"));
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(page.error().param(), "starting_after");
}

TEST_P(StoreConformanceTest, AddCreditsAddsSubtractsAndClampsAtZero) {
  CreateAccount("acct_1");  // 100 credits
  Result<std::optional<AccountRow>> a = store().AddCredits("acct_1", 50);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 150);
  a = store().AddCredits("acct_1", -30);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 120);
  a = store().AddCredits("acct_1", -1000);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
  EXPECT_EQ((*a)->credits_used, 7);  // untouched
  a = store().AddCredits("acct_1", 0);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);

  a = store().GetAccount("acct_1");  // the change is stored, not only returned
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
}

TEST_P(StoreConformanceTest, AddCreditsSaturatesInsteadOfOverflowing) {
  CreateAccount("acct_1");
  Result<std::optional<AccountRow>> a =
      store().AddCredits("acct_1", std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, std::numeric_limits<int64_t>::max());
  a = store().AddCredits("acct_1", std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->credits, 0);
}

TEST_P(StoreConformanceTest, AddCreditsLeavesUnlimitedUnlimited) {
  AccountRow unlimited = MakeAccount("acct_1");
  unlimited.credits = std::nullopt;
  unlimited.credits_used = 0;
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());
  for (int64_t amount : {int64_t{50}, int64_t{-50}, int64_t{-1'000'000}}) {
    Result<std::optional<AccountRow>> a = store().AddCredits("acct_1", amount);
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ((*a)->credits, std::nullopt);
  }
}

TEST_P(StoreConformanceTest, AddCreditsToUnknownAccountIsNullopt) {
  Result<std::optional<AccountRow>> a = store().AddCredits("acct_missing", 10);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->has_value());
}

// --- tokens ---

TEST_P(StoreConformanceTest, InsertThenGetTokenReturnsEveryField) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 1);
  t.type = KeyType::kRestricted;
  t.permissions = {"tokens:read", "extractions:*", "billing:read"};
  t.livemode = false;
  t.expires_at = kNow + 3600;
  t.last_used_at = kNow - 5;
  InsertToken(t);
  TokenRow p = MakeToken("tok_2", "acct_1", 2);
  p.type = KeyType::kPublishable;
  p.revoked_at = kNow - 1;
  InsertToken(p);

  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_1")), TokenFields(t));
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_2")), TokenFields(p));
}

TEST_P(StoreConformanceTest, SinglePermissionAndNoPermissionsRoundTrip) {
  CreateAccount("acct_1");
  TokenRow one = MakeToken("tok_1", "acct_1", 1);
  one.permissions = {"*"};
  InsertToken(one);
  InsertToken(MakeToken("tok_2", "acct_1", 2));
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").permissions, std::vector<std::string>{"*"});
  EXPECT_TRUE(GetTokenOrDie("acct_1", "tok_2").permissions.empty());
}

TEST_P(StoreConformanceTest, GetTokenIsScopedToItsAccount) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  Result<std::optional<TokenRow>> other = store().GetToken("acct_2", "tok_1");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  Result<std::optional<TokenRow>> missing = store().GetToken("acct_1", "tok_missing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformanceTest, FindTokenByHash) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 42);
  InsertToken(t);
  Result<std::optional<TokenRow>> found = store().FindTokenByHash(HashOf(42));
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(TokenFields(**found), TokenFields(t));
  Result<std::optional<TokenRow>> unknown = store().FindTokenByHash(HashOf(43));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

TEST_P(StoreConformanceTest, FindTokenByHashFindsRevokedTokensToo) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 1);
  t.revoked_at = kNow;
  InsertToken(t);
  Result<std::optional<TokenRow>> found = store().FindTokenByHash(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->revoked_at, kNow);
}

TEST_P(StoreConformanceTest, DuplicateTokenIdOrHashIsInternalErrorWithoutKeyMaterial) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  Status same_id = store().InsertToken(MakeToken("tok_1", "acct_1", 2));
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.error().code(), ErrorCode::kInternalError);
  Status same_hash = store().InsertToken(MakeToken("tok_2", "acct_1", 1));
  ASSERT_FALSE(same_hash.ok());
  EXPECT_EQ(same_hash.error().code(), ErrorCode::kInternalError);
  EXPECT_EQ(same_hash.error().message().find(DigestHex(HashOf(1))), std::string::npos);
  Result<std::optional<TokenRow>> tok2 = store().GetToken("acct_1", "tok_2");
  ASSERT_TRUE(tok2.ok());
  EXPECT_FALSE(tok2->has_value());
}

TEST_P(StoreConformanceTest, TokenForUnknownAccountIsRefused) {
  Status s = store().InsertToken(MakeToken("tok_1", "acct_missing", 1));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code(), ErrorCode::kInternalError);
  Result<std::optional<TokenRow>> found = store().FindTokenByHash(HashOf(1));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreConformanceTest, ListTokensEachFilterNewestFirst) {
  InsertTokensForLists();
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kAll),
            (V{"tok_expired_old", "tok_revoked_expired", "tok_future", "tok_expired_now",
               "tok_revoked", "tok_active"}));
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kActive), (V{"tok_future", "tok_active"}));
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kRevoked),
            (V{"tok_revoked_expired", "tok_revoked"}));
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kExpired),
            (V{"tok_expired_old", "tok_expired_now"}));
  EXPECT_EQ(ListTokenIds("acct_2", TokenFilter::kAll), (V{"tok_other"}));
  EXPECT_TRUE(ListTokenIds("acct_missing", TokenFilter::kAll).empty());
}

TEST_P(StoreConformanceTest, ListTokensFiltersUseTheGivenTime) {
  InsertTokensForLists();
  Result<Page<TokenRow>> later =
      store().ListTokens("acct_1", TokenFilter::kActive, kNow + 1, Options(100));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Ids(*later), (V{"tok_active"}));
  Result<Page<TokenRow>> earlier =
      store().ListTokens("acct_1", TokenFilter::kExpired, kNow - 1, Options(100));
  ASSERT_TRUE(earlier.ok());
  EXPECT_EQ(Ids(*earlier), (V{"tok_expired_old"}));
}

TEST_P(StoreConformanceTest, ListTokensPagesWithLimitStartingAfterAndHasMore) {
  InsertTokensForLists();
  Result<Page<TokenRow>> page = store().ListTokens("acct_1", TokenFilter::kAll, kNow, Options(2));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_expired_old", "tok_revoked_expired"}));
  EXPECT_TRUE(page->has_more);
  page = store().ListTokens("acct_1", TokenFilter::kAll, kNow, Options(2, "tok_revoked_expired"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_future", "tok_expired_now"}));
  EXPECT_TRUE(page->has_more);
  page = store().ListTokens("acct_1", TokenFilter::kAll, kNow, Options(2, "tok_expired_now"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_revoked", "tok_active"}));
  EXPECT_FALSE(page->has_more);
}

TEST_P(StoreConformanceTest, ListTokensPagesWithinAFilter) {
  InsertTokensForLists();
  // starting_after may name a token the filter excludes; the page continues below it.
  Result<Page<TokenRow>> page =
      store().ListTokens("acct_1", TokenFilter::kActive, kNow, Options(1, "tok_revoked_expired"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_future"}));
  EXPECT_TRUE(page->has_more);
  page = store().ListTokens("acct_1", TokenFilter::kActive, kNow, Options(1, "tok_future"));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_active"}));
  EXPECT_FALSE(page->has_more);
  page = store().ListTokens("acct_1", TokenFilter::kRevoked, kNow, Options(1));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(Ids(*page), (V{"tok_revoked_expired"}));
  EXPECT_TRUE(page->has_more);
}

TEST_P(StoreConformanceTest, ListTokensStartingAfterMustBeATokenOfTheAccount) {
  InsertTokensForLists();
  for (const char* after : {"tok_missing", "tok_other"}) {
    Result<Page<TokenRow>> page =
        store().ListTokens("acct_1", TokenFilter::kAll, kNow, Options(10, after));
    ASSERT_FALSE(page.ok()) << after;
    EXPECT_EQ(page.error().code(), ErrorCode::kInvalidRequest);
    EXPECT_EQ(page.error().param(), "starting_after");
  }
}

TEST_P(StoreConformanceTest, RevokeTokenIsIdempotent) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  Result<std::optional<TokenRow>> first = store().RevokeToken("acct_1", "tok_1", kNow);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->revoked_at, kNow);
  EXPECT_EQ((*first)->StatusAt(kNow), TokenStatus::kRevoked);

  Result<std::optional<TokenRow>> second = store().RevokeToken("acct_1", "tok_1", kNow + 60);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->revoked_at, kNow);
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").revoked_at, kNow);
}

TEST_P(StoreConformanceTest, RevokeTokenOfAnotherAccountOrUnknownIsNullopt) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  Result<std::optional<TokenRow>> other = store().RevokeToken("acct_2", "tok_1", kNow);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").revoked_at, std::nullopt);
  Result<std::optional<TokenRow>> unknown = store().RevokeToken("acct_1", "tok_missing", kNow);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

TEST_P(StoreConformanceTest, RollWithGraceSetsOldExpiryAndInsertsReplacement) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_old", "acct_1", 1));
  TokenRow replacement = MakeToken("tok_new", "acct_1", 2);
  Result<std::optional<TokenRow>> old =
      store().RollToken("acct_1", "tok_old", replacement, kNow + 3600, kNow);
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ((*old)->id, "tok_old");
  EXPECT_EQ((*old)->expires_at, kNow + 3600);
  EXPECT_EQ((*old)->revoked_at, std::nullopt);
  EXPECT_EQ(TokenFields(**old), TokenFields(GetTokenOrDie("acct_1", "tok_old")));
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_new")), TokenFields(replacement));
  Result<std::optional<TokenRow>> by_hash = store().FindTokenByHash(HashOf(2));
  ASSERT_TRUE(by_hash.ok() && by_hash->has_value());
  EXPECT_EQ((*by_hash)->id, "tok_new");
}

TEST_P(StoreConformanceTest, RollWithoutGraceRevokesOldNow) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_old", "acct_1", 1));
  Result<std::optional<TokenRow>> old =
      store().RollToken("acct_1", "tok_old", MakeToken("tok_new", "acct_1", 2), std::nullopt, kNow);
  ASSERT_TRUE(old.ok() && old->has_value());
  EXPECT_EQ((*old)->revoked_at, kNow);
  EXPECT_EQ((*old)->expires_at, std::nullopt);
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_old").revoked_at, kNow);
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_new").revoked_at, std::nullopt);
}

TEST_P(StoreConformanceTest, RollKeepsAnEarlierExpiryAndShortensALaterOne) {
  CreateAccount("acct_1");
  TokenRow soon = MakeToken("tok_soon", "acct_1", 1);
  soon.expires_at = kNow + 60;
  InsertToken(soon);
  TokenRow late = MakeToken("tok_late", "acct_1", 2);
  late.expires_at = kNow + 86400;
  InsertToken(late);

  Result<std::optional<TokenRow>> a =
      store().RollToken("acct_1", "tok_soon", MakeToken("tok_a", "acct_1", 3), kNow + 3600, kNow);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->expires_at, kNow + 60);
  Result<std::optional<TokenRow>> b =
      store().RollToken("acct_1", "tok_late", MakeToken("tok_b", "acct_1", 4), kNow + 3600, kNow);
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->expires_at, kNow + 3600);
}

TEST_P(StoreConformanceTest, RollOfRevokedTokenWritesNothing) {
  CreateAccount("acct_1");
  TokenRow old = MakeToken("tok_old", "acct_1", 1);
  old.revoked_at = kNow - 5;
  InsertToken(old);
  for (std::optional<int64_t> grace :
       {std::optional<int64_t>(), std::optional<int64_t>(kNow + 60)}) {
    Result<std::optional<TokenRow>> r =
        store().RollToken("acct_1", "tok_old", MakeToken("tok_new", "acct_1", 2), grace, kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
  }
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_old")), TokenFields(old));
  Result<std::optional<TokenRow>> replacement = store().FindTokenByHash(HashOf(2));
  ASSERT_TRUE(replacement.ok());
  EXPECT_FALSE(replacement->has_value());
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kAll), std::vector<std::string>{"tok_old"});
}

TEST_P(StoreConformanceTest, RollOfAnotherAccountsTokenWritesNothing) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  TokenRow old = MakeToken("tok_old", "acct_1", 1);
  InsertToken(old);
  Result<std::optional<TokenRow>> r =
      store().RollToken("acct_2", "tok_old", MakeToken("tok_new", "acct_2", 2), std::nullopt, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_old")), TokenFields(old));
  EXPECT_TRUE(ListTokenIds("acct_2", TokenFilter::kAll).empty());

  r = store().RollToken("acct_1", "tok_missing", MakeToken("tok_new", "acct_1", 2), std::nullopt,
                        kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kAll), std::vector<std::string>{"tok_old"});
}

TEST_P(StoreConformanceTest, RollThatCannotInsertLeavesOldTokenUntouched) {
  CreateAccount("acct_1");
  TokenRow old = MakeToken("tok_old", "acct_1", 1);
  InsertToken(old);
  InsertToken(MakeToken("tok_other", "acct_1", 2));
  // The replacement collides with tok_other's hash: the whole roll fails.
  Result<std::optional<TokenRow>> r =
      store().RollToken("acct_1", "tok_old", MakeToken("tok_new", "acct_1", 2), std::nullopt, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternalError);
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_old")), TokenFields(old));
  Result<std::optional<TokenRow>> replacement = store().GetToken("acct_1", "tok_new");
  ASSERT_TRUE(replacement.ok());
  EXPECT_FALSE(replacement->has_value());
}

TEST_P(StoreConformanceTest, RollRefusesAReplacementForAnotherAccount) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  TokenRow old = MakeToken("tok_old", "acct_1", 1);
  InsertToken(old);
  Result<std::optional<TokenRow>> r =
      store().RollToken("acct_1", "tok_old", MakeToken("tok_new", "acct_2", 2), std::nullopt, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternalError);
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_old")), TokenFields(old));
  EXPECT_TRUE(ListTokenIds("acct_2", TokenFilter::kAll).empty());
}

TEST_P(StoreConformanceTest, ForEachUnrevokedTokenVisitsExactlyTheUnrevoked) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  TokenRow expired = MakeToken("tok_2", "acct_2", 2);
  expired.expires_at = kNow - 10;  // expired still counts: only revocation removes a key
  InsertToken(expired);
  TokenRow revoked = MakeToken("tok_3", "acct_1", 3);
  revoked.revoked_at = kNow;
  InsertToken(revoked);
  TokenRow restricted = MakeToken("tok_4", "acct_1", 4);
  restricted.type = KeyType::kRestricted;
  restricted.permissions = {"a:b", "c:*"};
  InsertToken(restricted);
  ASSERT_TRUE(store().RevokeToken("acct_1", "tok_1", kNow).ok());

  std::vector<TokenRow> seen;
  ASSERT_TRUE(
      store().ForEachUnrevokedToken([&](TokenRow&& t) { seen.push_back(std::move(t)); }).ok());
  std::sort(seen.begin(), seen.end(),
            [](const TokenRow& a, const TokenRow& b) { return a.id < b.id; });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(TokenFields(seen[0]), TokenFields(expired));
  EXPECT_EQ(TokenFields(seen[1]), TokenFields(restricted));
}

TEST_P(StoreConformanceTest, ForEachUnrevokedTokenOnEmptyStore) {
  int calls = 0;
  ASSERT_TRUE(store().ForEachUnrevokedToken([&](TokenRow&&) { ++calls; }).ok());
  EXPECT_EQ(calls, 0);
}

TEST_P(StoreConformanceTest, RecordUsageNeverMovesBackwards) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  InsertToken(MakeToken("tok_2", "acct_1", 2));
  ASSERT_TRUE(store().RecordUsage({}).ok());
  ASSERT_TRUE(store().RecordUsage({{"tok_1", kNow}, {"tok_missing", kNow}}).ok());
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").last_used_at, kNow);
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_2").last_used_at, std::nullopt);

  ASSERT_TRUE(
      store().RecordUsage({{"tok_1", kNow - 100}, {"tok_2", kNow + 5}, {"tok_2", kNow + 1}}).ok());
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").last_used_at, kNow);
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_2").last_used_at, kNow + 5);

  ASSERT_TRUE(store().RecordUsage({{"tok_1", kNow + 10}}).ok());
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").last_used_at, kNow + 10);
}

TEST_P(StoreConformanceTest, RecordUsageAppliesToRevokedTokensAndChangesNothingElse) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 1);
  t.revoked_at = kNow - 1;
  InsertToken(t);
  ASSERT_TRUE(store().RecordUsage({{"tok_1", kNow}}).ok());
  t.last_used_at = kNow;
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_1")), TokenFields(t));
}

TEST_P(StoreConformanceTest, ConcurrentWritesAndReadsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  CreateAccount("acct_1");
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int n = t * kPerThread + i;
        EXPECT_TRUE(store().InsertToken(MakeToken("tok_" + std::to_string(n), "acct_1", n)).ok());
        Result<std::optional<TokenRow>> back = store().FindTokenByHash(HashOf(n));
        EXPECT_TRUE(back.ok() && back->has_value());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Result<Page<TokenRow>> page = store().ListTokens("acct_1", TokenFilter::kAll, kNow, Options(100));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->items.size(), size_t{kThreads * kPerThread});
  EXPECT_FALSE(page->has_more);
}

// --- admin keys ---

TEST_P(StoreConformanceTest, AdminKeysInsertFindCount) {
  Result<int64_t> count = store().CountAdminKeys();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);

  AdminKeyRow a = MakeAdminKey("adm_1", 1);
  AdminKeyRow b = MakeAdminKey("adm_2", 2);
  b.revoked_at = kNow;
  ASSERT_TRUE(store().InsertAdminKey(a).ok());
  ASSERT_TRUE(store().InsertAdminKey(b).ok());

  count = store().CountAdminKeys();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);
  Result<std::optional<AdminKeyRow>> found = store().FindAdminKeyByHash(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(AdminKeyFields(**found), AdminKeyFields(a));
  found = store().FindAdminKeyByHash(HashOf(2));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(AdminKeyFields(**found), AdminKeyFields(b));
  found = store().FindAdminKeyByHash(HashOf(3));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreConformanceTest, AdminKeysAreSeparateFromTokens) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  ASSERT_TRUE(store().InsertAdminKey(MakeAdminKey("adm_1", 2)).ok());
  Result<std::optional<AdminKeyRow>> admin = store().FindAdminKeyByHash(HashOf(1));
  ASSERT_TRUE(admin.ok());
  EXPECT_FALSE(admin->has_value());
  Result<std::optional<TokenRow>> token = store().FindTokenByHash(HashOf(2));
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE(token->has_value());
}

TEST_P(StoreConformanceTest, DuplicateAdminKeyIsInternalError) {
  ASSERT_TRUE(store().InsertAdminKey(MakeAdminKey("adm_1", 1)).ok());
  Status same_id = store().InsertAdminKey(MakeAdminKey("adm_1", 2));
  ASSERT_FALSE(same_id.ok());
  EXPECT_EQ(same_id.error().code(), ErrorCode::kInternalError);
  Status same_hash = store().InsertAdminKey(MakeAdminKey("adm_2", 1));
  ASSERT_FALSE(same_hash.ok());
  EXPECT_EQ(same_hash.error().code(), ErrorCode::kInternalError);
  Result<int64_t> count = store().CountAdminKeys();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
}

TEST_P(StoreConformanceTest, FirstAdminKeyIsInsertedOnlyIntoAStoreWithoutAny) {
  Result<bool> first = store().InsertFirstAdminKey(MakeAdminKey("adm_1", 1));
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  Result<bool> second = store().InsertFirstAdminKey(MakeAdminKey("adm_2", 2));
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(*second);
  EXPECT_FALSE(store().FindAdminKeyByHash(HashOf(2))->has_value());
  EXPECT_TRUE(store().FindAdminKeyByHash(HashOf(1))->has_value());
  EXPECT_EQ(*store().CountAdminKeys(), 1);
}

TEST_P(StoreConformanceTest, OfManyConcurrentFirstAdminKeysExactlyOneIsInserted) {
  constexpr int kThreads = 8;
  std::atomic<int> inserted{0};
  std::atomic<int> failed{0};
  std::latch connected(kThreads);  // all at once (and on warm connections): the inserts overlap
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      EXPECT_TRUE(store().Ping().ok());
      connected.arrive_and_wait();
      Result<bool> r = store().InsertFirstAdminKey(MakeAdminKey("adm_" + std::to_string(i), i));
      if (!r.ok()) {
        ++failed;
      } else if (*r) {
        ++inserted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(inserted.load(), 1);
  EXPECT_EQ(*store().CountAdminKeys(), 1);
}

TEST_P(StoreConformanceTest, Ping) {
  EXPECT_TRUE(store().Ping().ok());
}

// --- dashboard sessions (API.md 8) ---

auto SessionFields(const SessionRow& s) {
  return std::tie(s.secret_hash, s.account_id, s.created, s.expires_at);
}
auto AgentAuthFields(const AgentAuthRow& r) {
  return std::tie(r.token_hash, r.status, r.account_id, r.client_name, r.token_id, r.created,
                  r.decided_at);
}

SessionRow MakeSession(uint64_t n, std::string account, int64_t expires_at) {
  SessionRow s;
  s.secret_hash = HashOf(n);
  s.account_id = std::move(account);
  s.created = kNow - 100;
  s.expires_at = expires_at;
  return s;
}

TEST_P(StoreConformanceTest, SessionsInsertFindDelete) {
  CreateAccount("acct_1");
  SessionRow s = MakeSession(1, "acct_1", kNow + 3600);
  ASSERT_TRUE(store().InsertSession(s).ok());
  auto found = store().FindSession(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(SessionFields(**found), SessionFields(s));
  found = store().FindSession(HashOf(2));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());

  ASSERT_TRUE(store().DeleteSession(HashOf(1)).ok());
  found = store().FindSession(HashOf(1));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(store().DeleteSession(HashOf(1)).ok());  // absent: still OK
}

TEST_P(StoreConformanceTest, SessionNeedsAKnownAccountAndAUniqueHash) {
  Status unknown = store().InsertSession(MakeSession(1, "acct_missing", kNow + 10));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInternalError);
  CreateAccount("acct_1");
  ASSERT_TRUE(store().InsertSession(MakeSession(1, "acct_1", kNow + 10)).ok());
  Status dup = store().InsertSession(MakeSession(1, "acct_1", kNow + 20));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInternalError);
}

TEST_P(StoreConformanceTest, PurgeSessionsDeletesExactlyTheExpired) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().InsertSession(MakeSession(1, "acct_1", kNow - 1)).ok());
  ASSERT_TRUE(store().InsertSession(MakeSession(2, "acct_1", kNow)).ok());
  ASSERT_TRUE(store().InsertSession(MakeSession(3, "acct_1", kNow + 1)).ok());
  auto purged = store().PurgeSessions(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
  EXPECT_FALSE(store().FindSession(HashOf(1))->has_value());
  EXPECT_FALSE(store().FindSession(HashOf(2))->has_value());
  EXPECT_TRUE(store().FindSession(HashOf(3))->has_value());
}

// --- agent sign-in requests (API.md 8) ---

AgentAuthRow PendingRequest(uint64_t n, int64_t created) {
  AgentAuthRow r;
  r.token_hash = HashOf(n);
  r.created = created;
  return r;
}

AgentAuthRow Decision(uint64_t n, AgentAuthStatus status, std::string account, int64_t created) {
  AgentAuthRow r = PendingRequest(n, created);
  r.status = status;
  r.account_id = std::move(account);
  r.client_name = "Claude Code";
  r.token_id = status == AgentAuthStatus::kApproved ? "tok_agent" : "";
  r.decided_at = created + 5;
  return r;
}

TEST_P(StoreConformanceTest, EnsureAgentAuthInsertsOnceAndReturnsTheStoredRow) {
  auto first = store().EnsureAgentAuth(PendingRequest(1, kNow));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(AgentAuthFields(*first), AgentAuthFields(PendingRequest(1, kNow)));
  auto again = store().EnsureAgentAuth(PendingRequest(1, kNow + 50));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, kNow);  // the first sighting stays
  auto found = store().FindAgentAuth(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(AgentAuthFields(**found), AgentAuthFields(*first));
  found = store().FindAgentAuth(HashOf(2));
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(StoreConformanceTest, DecideAgentAuthMovesPendingOnceAndKeepsCreated) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(1, kNow)).ok());
  AgentAuthRow approve = Decision(1, AgentAuthStatus::kApproved, "acct_1", kNow + 30);
  auto changed = store().DecideAgentAuth(approve, kNow - 900);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  auto found = store().FindAgentAuth(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  AgentAuthRow expected = approve;
  expected.created = kNow;
  EXPECT_EQ(AgentAuthFields(**found), AgentAuthFields(expected));

  // A second decision changes nothing.
  changed = store().DecideAgentAuth(Decision(1, AgentAuthStatus::kDenied, "acct_1", kNow), 0);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);
  EXPECT_EQ((*store().FindAgentAuth(HashOf(1)))->status, AgentAuthStatus::kApproved);
}

TEST_P(StoreConformanceTest, DecideAgentAuthInsertsAnUnseenRequestAndRefusesAnOldOne) {
  CreateAccount("acct_1");
  AgentAuthRow deny = Decision(1, AgentAuthStatus::kDenied, "acct_1", kNow);
  auto changed = store().DecideAgentAuth(deny, kNow - 900);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  auto found = store().FindAgentAuth(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(AgentAuthFields(**found), AgentAuthFields(deny));

  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(2, kNow - 1000)).ok());
  changed =
      store().DecideAgentAuth(Decision(2, AgentAuthStatus::kApproved, "acct_1", kNow), kNow - 900);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(*changed);  // older than the cutoff
  EXPECT_EQ((*store().FindAgentAuth(HashOf(2)))->status, AgentAuthStatus::kPending);

  auto unknown =
      store().DecideAgentAuth(Decision(3, AgentAuthStatus::kDenied, "acct_missing", kNow), 0);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInternalError);
}

TEST_P(StoreConformanceTest, ConsumeAgentAuthSucceedsExactlyOnce) {
  CreateAccount("acct_1");
  ASSERT_TRUE(
      store().DecideAgentAuth(Decision(1, AgentAuthStatus::kApproved, "acct_1", kNow), 0).ok());
  auto first = store().ConsumeAgentAuth(HashOf(1), kNow - 900);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->status, AgentAuthStatus::kApproved);
  EXPECT_EQ((*first)->token_id, "tok_agent");
  EXPECT_EQ((*first)->account_id, "acct_1");
  auto second = store().ConsumeAgentAuth(HashOf(1), kNow - 900);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
  EXPECT_EQ((*store().FindAgentAuth(HashOf(1)))->status, AgentAuthStatus::kConsumed);

  // Pending, denied, unknown and too old requests are never consumed.
  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(2, kNow)).ok());
  ASSERT_TRUE(
      store().DecideAgentAuth(Decision(3, AgentAuthStatus::kDenied, "acct_1", kNow), 0).ok());
  ASSERT_TRUE(
      store()
          .DecideAgentAuth(Decision(4, AgentAuthStatus::kApproved, "acct_1", kNow - 1000), 0)
          .ok());
  for (uint64_t n : {2, 3, 4, 5}) {
    auto none = store().ConsumeAgentAuth(HashOf(n), kNow - 900);
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value()) << n;
  }
  EXPECT_EQ((*store().FindAgentAuth(HashOf(4)))->status, AgentAuthStatus::kApproved);
}

TEST_P(StoreConformanceTest, ConcurrentConsumersOfOneApprovalHaveOneWinner) {
  CreateAccount("acct_1");
  ASSERT_TRUE(
      store().DecideAgentAuth(Decision(1, AgentAuthStatus::kApproved, "acct_1", kNow), 0).ok());
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = store().ConsumeAgentAuth(HashOf(1), 0);
      if (r.ok() && r->has_value()) winners.fetch_add(1);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(StoreConformanceTest, PurgeAgentAuthDeletesByCreated) {
  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(1, kNow - 10)).ok());
  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(2, kNow)).ok());
  ASSERT_TRUE(store().EnsureAgentAuth(PendingRequest(3, kNow + 10)).ok());
  auto purged = store().PurgeAgentAuth(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
  EXPECT_FALSE(store().FindAgentAuth(HashOf(1))->has_value());
  EXPECT_TRUE(store().FindAgentAuth(HashOf(3))->has_value());
}

std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformanceTest, ::testing::ValuesIn(kBackends),
                         BackendName);

// --- token changes (several nodes sharing one store) ---

// Every token passed by ForEachTokenChangedAfter(after), with the cursor it returned.
struct Changed {
  std::vector<TokenRow> rows;
  int64_t cursor = -1;
};
Changed ChangedAfter(Store& store, int64_t after, size_t limit = 1000) {
  Changed c;
  auto r = store.ForEachTokenChangedAfter(
      after, limit, [&](TokenRow&& row) { c.rows.push_back(std::move(row)); });
  EXPECT_TRUE(r.ok());
  if (r.ok()) c.cursor = *r;
  return c;
}
std::vector<std::string> IdsOf(const std::vector<TokenRow>& rows) {
  std::vector<std::string> ids;
  for (const TokenRow& r : rows) ids.push_back(r.id);
  return ids;
}

TEST_P(StoreConformanceTest, TokenChangeCursorStartsAtZeroAndGrowsWithEveryTokenWrite) {
  auto empty = store().TokenChangeCursor();
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0);
  CreateAccount("acct_1");
  EXPECT_EQ(*store().TokenChangeCursor(), 0);  // accounts are not token changes
  InsertToken(MakeToken("tok_a", "acct_1", 1));
  const int64_t after_insert = *store().TokenChangeCursor();
  EXPECT_GT(after_insert, 0);
  ASSERT_TRUE(store().RecordUsage({TokenUsage{"tok_a", kNow}}).ok());
  EXPECT_EQ(*store().TokenChangeCursor(), after_insert);  // usage is not a change
  ASSERT_TRUE(store().RevokeToken("acct_1", "tok_a", kNow).ok());
  EXPECT_GT(*store().TokenChangeCursor(), after_insert);
}

TEST_P(StoreConformanceTest, ForEachTokenChangedAfterGivesInsertsRevokesAndRollsInOrder) {
  CreateAccount("acct_1");
  const int64_t start = *store().TokenChangeCursor();
  InsertToken(MakeToken("tok_a", "acct_1", 1));
  InsertToken(MakeToken("tok_b", "acct_1", 2));
  Changed first = ChangedAfter(store(), start);
  EXPECT_EQ(IdsOf(first.rows), (std::vector<std::string>{"tok_a", "tok_b"}));
  EXPECT_EQ(first.cursor, *store().TokenChangeCursor());
  Changed none = ChangedAfter(store(), first.cursor);
  EXPECT_TRUE(none.rows.empty());
  EXPECT_EQ(none.cursor, first.cursor);

  // Revoking tok_a moves it after tok_b, with its new state; it is passed once.
  ASSERT_TRUE(store().RevokeToken("acct_1", "tok_a", kNow).ok());
  Changed revoked = ChangedAfter(store(), first.cursor);
  ASSERT_EQ(IdsOf(revoked.rows), (std::vector<std::string>{"tok_a"}));
  EXPECT_EQ(revoked.rows[0].revoked_at, kNow);
  EXPECT_EQ(IdsOf(ChangedAfter(store(), start).rows), (std::vector<std::string>{"tok_b", "tok_a"}));

  // A roll with a grace period: the replacement and the old token (its new expiry) both change.
  auto rolled =
      store().RollToken("acct_1", "tok_b", MakeToken("tok_c", "acct_1", 3), kNow + 60, kNow);
  ASSERT_TRUE(rolled.ok());
  ASSERT_TRUE(rolled->has_value());
  Changed roll = ChangedAfter(store(), revoked.cursor);
  std::vector<std::string> ids = IdsOf(roll.rows);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"tok_b", "tok_c"}));
  for (const TokenRow& r : roll.rows) {
    if (r.id == "tok_b") {
      EXPECT_EQ(r.expires_at, kNow + 60);
    }
  }
}

TEST_P(StoreConformanceTest, ForEachTokenChangedAfterPagesByLimit) {
  CreateAccount("acct_1");
  std::vector<TokenRow> many;
  for (int i = 0; i < 5; ++i)
    many.push_back(MakeToken("tok_" + std::to_string(i), "acct_1", 10 + i));
  ASSERT_TRUE(store().InsertTokens(many).ok());
  Changed page1 = ChangedAfter(store(), 0, 2);
  EXPECT_EQ(IdsOf(page1.rows), (std::vector<std::string>{"tok_0", "tok_1"}));
  Changed page2 = ChangedAfter(store(), page1.cursor, 2);
  EXPECT_EQ(IdsOf(page2.rows), (std::vector<std::string>{"tok_2", "tok_3"}));
  Changed page3 = ChangedAfter(store(), page2.cursor, 2);
  EXPECT_EQ(IdsOf(page3.rows), (std::vector<std::string>{"tok_4"}));
  EXPECT_EQ(page3.cursor, *store().TokenChangeCursor());
}

}  // namespace
}  // namespace keyward
