// The Store conformance suite (see store_conformance_test.cc): dashboard sessions and agent
// sign-in requests (API.md 8).
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

// --- dashboard sessions (API.md 8) ---

auto SessionFields(const SessionRow& s) {
  return std::tie(s.secret_hash, s.account_id, s.operator_id, s.created, s.expires_at);
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

}  // namespace
}  // namespace keyward::conformance
