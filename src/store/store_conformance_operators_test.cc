// The Store conformance suite (see store_conformance_test.cc): operators and their sessions
// (API.md 16).
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

auto OperatorFields(const OperatorRow& o) {
  return std::tie(o.id, o.email, o.password_hash, o.setup_hash, o.setup_expires_at, o.created);
}

OperatorRow MakeOperator(std::string id, std::string email, uint64_t setup) {
  OperatorRow o;
  o.id = std::move(id);
  o.email = std::move(email);
  o.setup_hash = HashOf(setup);
  o.setup_expires_at = kNow + 86400;
  o.created = kNow;
  return o;
}

SessionRow OperatorSession(uint64_t n, std::string operator_id, int64_t expires_at) {
  SessionRow s;
  s.secret_hash = HashOf(n);
  s.operator_id = std::move(operator_id);
  s.created = kNow - 10;
  s.expires_at = expires_at;
  return s;
}

TEST_P(StoreConformanceTest, OperatorsInsertAndFindByIdAndEmail) {
  OperatorRow o = MakeOperator("op_1", "ops@example.com", 901);
  ASSERT_TRUE(store().InsertOperator(o).ok());
  auto by_id = store().GetOperator("op_1");
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  EXPECT_EQ(OperatorFields(**by_id), OperatorFields(o));
  auto by_email = store().FindOperatorByEmail("ops@example.com");
  ASSERT_TRUE(by_email.ok() && by_email->has_value());
  EXPECT_EQ((*by_email)->id, "op_1");
  EXPECT_FALSE(store().FindOperatorByEmail("other@example.com")->has_value());
  EXPECT_FALSE(store().GetOperator("op_2")->has_value());
}

TEST_P(StoreConformanceTest, OperatorEmailIsUnique) {
  ASSERT_TRUE(store().InsertOperator(MakeOperator("op_1", "ops@example.com", 901)).ok());
  Status dup = store().InsertOperator(MakeOperator("op_2", "ops@example.com", 902));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(dup.error().param(), "email");
}

TEST_P(StoreConformanceTest, OperatorSetupTokenWorksOnceAndOnlyWhileLive) {
  ASSERT_TRUE(store().InsertOperator(MakeOperator("op_1", "ops@example.com", 901)).ok());
  // Expired: at its expiry the link no longer works, and nothing is written.
  auto late = store().CompleteOperatorSetup(HashOf(901), "hash-a", kNow + 86400);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value());
  EXPECT_EQ((*store().GetOperator("op_1"))->password_hash, "");
  // Unknown token.
  auto unknown = store().CompleteOperatorSetup(HashOf(999), "hash-a", kNow);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  // Live: sets the password and spends the token.
  auto done = store().CompleteOperatorSetup(HashOf(901), "hash-a", kNow);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->password_hash, "hash-a");
  EXPECT_FALSE((*done)->setup_hash.has_value());
  EXPECT_FALSE((*done)->setup_expires_at.has_value());
  auto again = store().CompleteOperatorSetup(HashOf(901), "hash-b", kNow);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ((*store().GetOperator("op_1"))->password_hash, "hash-a");
}

TEST_P(StoreConformanceTest, NewOperatorSetupReplacesTheOldLink) {
  ASSERT_TRUE(store().InsertOperator(MakeOperator("op_1", "ops@example.com", 901)).ok());
  auto set = store().SetOperatorSetup("op_1", HashOf(902), kNow + 100);
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(*set);
  EXPECT_FALSE(store().CompleteOperatorSetup(HashOf(901), "hash-a", kNow)->has_value());
  EXPECT_TRUE(store().CompleteOperatorSetup(HashOf(902), "hash-b", kNow)->has_value());
  auto missing = store().SetOperatorSetup("op_2", HashOf(903), kNow + 100);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

TEST_P(StoreConformanceTest, OperatorSessionsAreFoundDeletedAndPurgedBesideCustomers) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().InsertOperator(MakeOperator("op_1", "ops@example.com", 901)).ok());
  SessionRow op = OperatorSession(1, "op_1", kNow + 3600);
  ASSERT_TRUE(store().InsertSession(op).ok());
  SessionRow customer;
  customer.secret_hash = HashOf(2);
  customer.account_id = "acct_1";
  customer.created = kNow;
  customer.expires_at = kNow + 3600;
  ASSERT_TRUE(store().InsertSession(customer).ok());

  auto found = store().FindSession(HashOf(1));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->operator_id, "op_1");
  EXPECT_EQ((*found)->account_id, "");
  EXPECT_EQ((*found)->expires_at, kNow + 3600);
  found = store().FindSession(HashOf(2));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->account_id, "acct_1");
  EXPECT_EQ((*found)->operator_id, "");

  ASSERT_TRUE(store().DeleteSession(HashOf(1)).ok());
  EXPECT_FALSE(store().FindSession(HashOf(1))->has_value());
  EXPECT_TRUE(store().FindSession(HashOf(2))->has_value());

  ASSERT_TRUE(store().InsertSession(OperatorSession(3, "op_1", kNow - 1)).ok());
  ASSERT_TRUE(store().InsertSession(OperatorSession(4, "op_1", kNow + 1)).ok());
  auto purged = store().PurgeSessions(kNow);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(store().FindSession(HashOf(3))->has_value());
  EXPECT_TRUE(store().FindSession(HashOf(4))->has_value());
}

TEST_P(StoreConformanceTest, OperatorSessionNeedsAKnownOperator) {
  Status unknown = store().InsertSession(OperatorSession(1, "op_missing", kNow + 10));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInternalError);
}

// --- the console's account list (API.md 16) ---

std::vector<std::string> SummaryIds(const Page<AccountSummary>& page) {
  std::vector<std::string> ids;
  for (const AccountSummary& s : page.items) ids.push_back(s.account.id);
  return ids;
}

TEST_P(StoreConformanceTest, AccountSummariesCountLiveKeysAndLastUse) {
  CreateAccount("acct_1", "ada@example.com");
  CreateAccount("acct_2", "bob@example.com");
  ASSERT_TRUE(store().InsertToken(MakeToken("tok_1", "acct_1", 1)).ok());
  ASSERT_TRUE(store().InsertToken(MakeToken("tok_2", "acct_1", 2)).ok());
  ASSERT_TRUE(store().InsertToken(MakeToken("tok_3", "acct_1", 3)).ok());
  ASSERT_TRUE(store().RevokeToken("acct_1", "tok_3", kNow).ok());
  ASSERT_TRUE(store().RecordUsage({{"tok_1", kNow - 50}, {"tok_3", kNow - 5}}).ok());

  auto page = store().ListAccountSummaries({}, Options(10));
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(SummaryIds(*page), (V{"acct_2", "acct_1"}));
  EXPECT_EQ(page->items[0].keys, 0);
  EXPECT_FALSE(page->items[0].last_used_at.has_value());
  EXPECT_EQ(page->items[1].keys, 2);  // the revoked key is not counted, its last use is
  EXPECT_EQ(page->items[1].last_used_at, kNow - 5);
  EXPECT_EQ(page->items[1].account.email, "ada@example.com");
}

TEST_P(StoreConformanceTest, AccountSummariesSearchEmailAndPlanAndPage) {
  for (auto [id, email] :
       {std::pair{"acct_1", "Ada@Example.com"}, std::pair{"acct_2", "bob@example.com"},
        std::pair{"acct_3", "ada_x@other.org"}}) {
    AccountRow a = MakeAccount(id, email);
    a.plan = "default";
    ASSERT_TRUE(store().CreateAccount(a).ok());
  }
  ASSERT_TRUE(store().CreateAccount(MakeAccount("acct_4", "ada@pro.io")).ok());  // plan "pro"

  AccountSearch ada;
  ada.email_contains = "ADA";
  auto page = store().ListAccountSummaries(ada, Options(10));
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(SummaryIds(*page), (V{"acct_4", "acct_3", "acct_1"}));

  AccountSearch underscore;  // LIKE's wildcards match themselves only
  underscore.email_contains = "a_x";
  EXPECT_EQ(SummaryIds(*store().ListAccountSummaries(underscore, Options(10))), (V{"acct_3"}));
  AccountSearch percent;
  percent.email_contains = "%";
  EXPECT_TRUE(store().ListAccountSummaries(percent, Options(10))->items.empty());

  ada.plan = "pro";
  EXPECT_EQ(SummaryIds(*store().ListAccountSummaries(ada, Options(10))), (V{"acct_4"}));

  ada.plan.clear();
  auto first = store().ListAccountSummaries(ada, Options(2));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(SummaryIds(*first), (V{"acct_4", "acct_3"}));
  EXPECT_TRUE(first->has_more);
  auto second = store().ListAccountSummaries(ada, Options(2, "acct_3"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(SummaryIds(*second), (V{"acct_1"}));
  EXPECT_FALSE(second->has_more);
  auto unknown = store().ListAccountSummaries(ada, Options(2, "acct_9"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().param(), "starting_after");
}

}  // namespace
}  // namespace keyward::conformance
