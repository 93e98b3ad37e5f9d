// The Store conformance suite (see store_conformance_test.cc): plans (API.md 11.2) — create,
// duplicates, update, list order, the events of their writes — and credit refills claimed once
// per account and period (Store::AccountsDueRefill, Store::RefillAccount).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

PlanRow MakePlan(std::string name, int64_t created) {
  PlanRow p;
  p.name = std::move(name);
  p.rate_limit = "100/min";
  p.account_rate_limit = "300/min";
  p.refill = PlanRefill{500, "month", "set"};
  p.low_credits_threshold = 20;
  p.created = created;
  return p;
}

EventFor<PlanRow> PlanEventOf(const std::string& type) {
  return [type](const PlanRow*, const PlanRow& after) {
    EventRow e;
    e.id = "evt_" + type.substr(5) + after.name;
    e.type = type;
    e.created = 1'700'000'000;
    e.data = "{}";
    return e;
  };
}

AccountRow StoredAccount(Store& store, const std::string& id) {
  Result<std::optional<AccountRow>> row = store.GetAccount(id);
  EXPECT_TRUE(row.ok() && row->has_value()) << id;
  return row.ok() && row->has_value() ? **row : AccountRow{};
}

bool SamePlan(const PlanRow& a, const PlanRow& b) {
  return a.name == b.name && a.SameTerms(b) && a.managed_by_config == b.managed_by_config &&
         a.created == b.created;
}

TEST_P(StoreConformanceTest, PlansRoundTripAndDuplicatesAreRefused) {
  PlanRow pro = MakePlan("pro", 10);
  ASSERT_TRUE(store().CreatePlan(pro, PlanEventOf("plan.created")).ok());
  PlanRow bare;
  bare.name = "bare";
  bare.rate_limit = "5/s";
  bare.managed_by_config = true;
  bare.created = 11;
  ASSERT_TRUE(store().CreatePlan(bare).ok());
  auto got = store().GetPlan("pro");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE(SamePlan(**got, pro));
  got = store().GetPlan("bare");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE(SamePlan(**got, bare));
  EXPECT_FALSE((*got)->refill.has_value());
  EXPECT_FALSE((*got)->account_rate_limit.has_value());
  got = store().GetPlan("nope");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());

  Status dup = store().CreatePlan(MakePlan("pro", 12), PlanEventOf("plan.created"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(dup.error().param(), "name");

  auto all = store().ListPlans();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "bare");  // newest first
  EXPECT_EQ((*all)[1].name, "pro");
  // One event: the refused duplicate recorded none.
  auto events = store().ListEvents(EventFilter{}, ListOptions{100, {}});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->items.size(), 1u);
  EXPECT_EQ(events->items[0].type, "plan.created");
}

TEST_P(StoreConformanceTest, UpdatePlanWritesTheTermsAndItsEvent) {
  ASSERT_TRUE(store().CreatePlan(MakePlan("pro", 10)).ok());
  PlanRow next = MakePlan("pro", 999);  // created is not written
  next.rate_limit = "7/s";
  next.account_rate_limit.reset();
  next.refill = PlanRefill{3, "minute", "add"};
  next.low_credits_threshold.reset();
  next.managed_by_config = true;
  PlanRow seen_before;
  auto written = store().UpdatePlan(next, [&](const PlanRow* before, const PlanRow& after) {
    if (before) seen_before = *before;
    EventRow e;
    e.id = "evt_upd";
    e.type = "plan.updated";
    e.created = after.created;
    e.data = "{}";
    return e;
  });
  ASSERT_TRUE(written.ok() && written->has_value());
  EXPECT_EQ((*written)->created, 10);
  EXPECT_TRUE((*written)->SameTerms(next));
  EXPECT_TRUE((*written)->managed_by_config);
  EXPECT_EQ(seen_before.rate_limit, "100/min");
  auto got = store().GetPlan("pro");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->SameTerms(next));
  auto event = store().GetEvent("evt_upd", std::nullopt);
  ASSERT_TRUE(event.ok() && event->has_value());
  auto missing = store().UpdatePlan(MakePlan("nope", 1));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreConformanceTest, RefillsAreClaimedOncePerAccountAndPeriod) {
  AccountRow early = MakeAccount("acct_1");
  early.created = 1000;
  early.credits = 3;
  ASSERT_TRUE(store().CreateAccount(early).ok());
  AccountRow late = MakeAccount("acct_2");
  late.created = 5000;  // inside the period: waits
  ASSERT_TRUE(store().CreateAccount(late).ok());
  AccountRow other = MakeAccount("acct_3");
  other.plan = "other";
  other.created = 1000;
  ASSERT_TRUE(store().CreateAccount(other).ok());
  AccountRow unlimited = MakeAccount("acct_4");
  unlimited.created = 1000;
  unlimited.credits.reset();
  ASSERT_TRUE(store().CreateAccount(unlimited).ok());

  auto due = store().AccountsDueRefill("pro", 7, 4000, 100);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, (std::vector<std::string>{"acct_1", "acct_4"}));
  auto limited = store().AccountsDueRefill("pro", 7, 4000, 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 1u);

  int events = 0;
  EventFor<AccountRow> event = [&events](const AccountRow*, const AccountRow& after) {
    EventRow e;
    e.id = "evt_refill" + std::to_string(++events);
    e.type = "credits.refilled";
    e.created = 1;
    e.account_id = after.id;
    e.data = "{}";
    return e;
  };
  auto set = store().RefillAccount("acct_1", 7, 50, 0, event);
  ASSERT_TRUE(set.ok() && set->has_value());
  EXPECT_EQ((*set)->before.credits, 3);
  EXPECT_EQ((*set)->after.credits, 50);
  EXPECT_EQ(StoredAccount(store(), "acct_1").credits, 50);
  // The same period again: nothing, on any node.
  auto again = store().RefillAccount("acct_1", 7, 50, 0, event);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  auto older = store().RefillAccount("acct_1", 6, std::nullopt, 10, event);
  ASSERT_TRUE(older.ok());
  EXPECT_FALSE(older->has_value());
  // The next period adds.
  auto add = store().RefillAccount("acct_1", 8, std::nullopt, 10, event);
  ASSERT_TRUE(add.ok() && add->has_value());
  EXPECT_EQ((*add)->after.credits, 60);
  // Unlimited stays unlimited, records the period, and no event.
  auto none = store().RefillAccount("acct_4", 7, 50, 0, event);
  ASSERT_TRUE(none.ok() && none->has_value());
  EXPECT_FALSE((*none)->after.credits.has_value());
  EXPECT_EQ(events, 2);
  due = store().AccountsDueRefill("pro", 7, 4000, 100);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  auto unknown = store().RefillAccount("acct_nope", 7, 50, 0, event);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  // Credit changes leave the refill claim alone, and a refill does not move the change sequence.
  const int64_t seq = StoredAccount(store(), "acct_1").change_seq;
  ASSERT_TRUE(store().AddCredits("acct_1", 5).ok());
  EXPECT_EQ(StoredAccount(store(), "acct_1").change_seq, seq);
}

}  // namespace
}  // namespace keyward::conformance
