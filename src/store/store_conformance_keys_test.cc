// The Store conformance suite (see store_conformance_test.cc): access tokens, admin keys and
// Idempotency-Key records.
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

}  // namespace
}  // namespace keyward::conformance
