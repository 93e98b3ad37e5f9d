// The Store conformance suite (see store_conformance_test.cc): API keys, bulk inserts and the
// token change sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/sha256.h"
#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

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
}  // namespace keyward::conformance
