// The Store conformance suite (see store_conformance_test.cc): events (API.md 13) — recorded in
// the write's own transaction (no change without its event, no event without its change), read,
// listed with their filters, purged, and the time-driven token notices claimed once.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

int event_counter = 0;

EventRow MakeEvent(std::string type, std::string account, int64_t created) {
  EventRow e;
  e.id = "evt_" + std::to_string(++event_counter) + "_" + type;
  e.type = std::move(type);
  e.created = created;
  e.account_id = std::move(account);
  e.livemode = true;
  e.request_id = "req_1";
  e.actor = EventActor{"admin_key", "ak_AbCdEfGhIj", "203.0.113.7"};
  e.data = R"({"object":{}})";
  return e;
}

// An EventFor that records `type` and remembers what the store passed it.
template <class Row>
struct Recorder {
  std::string type;
  std::string id = "evt_fixed";
  int calls = 0;
  bool had_before = false;
  Row before{};
  Row after{};
  EventFor<Row> Fn() {
    return [this](const Row* b, const Row& a) {
      ++calls;
      had_before = b != nullptr;
      if (b) before = *b;
      after = a;
      EventRow e = MakeEvent(type, "acct_1", kNow);
      e.id = id;
      return e;
    };
  }
};

std::vector<std::string> Types(const Page<EventRow>& page) {
  std::vector<std::string> types;
  for (const EventRow& e : page.items) types.push_back(e.type);
  return types;
}

Page<EventRow> List(Store& store, EventFilter filter, int limit = 100, std::string after = {}) {
  Result<Page<EventRow>> page = store.ListEvents(filter, Options(limit, std::move(after)));
  EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().message());
  return page.ok() ? *page : Page<EventRow>{};
}

TEST_P(StoreConformanceTest, EventRoundTripsEveryField) {
  EventRow e = MakeEvent("token.revoked", "acct_1", kNow);
  e.data = R"({"object":{"id":"tok_1"},"previous_attributes":{"revoked_at":null}})";
  ASSERT_TRUE(store().AppendEvent(e).ok());
  auto got = store().GetEvent(e.id, std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  const EventRow& r = **got;
  EXPECT_EQ(std::tie(r.id, r.type, r.created, r.account_id, r.livemode, r.request_id, r.data),
            std::tie(e.id, e.type, e.created, e.account_id, e.livemode, e.request_id, e.data));
  EXPECT_EQ(std::tie(r.actor.type, r.actor.id, r.actor.ip),
            std::tie(e.actor.type, e.actor.id, e.actor.ip));

  // Null fields stay null (empty), and another account does not see the event.
  EventRow bare = MakeEvent("admin_key.created", "", kNow);
  bare.request_id.clear();
  bare.actor = EventActor{"cli", "", ""};
  ASSERT_TRUE(store().AppendEvent(bare).ok());
  got = store().GetEvent(bare.id, std::nullopt);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->account_id, "");
  EXPECT_EQ((*got)->request_id, "");
  EXPECT_EQ((*got)->actor.id, "");
  EXPECT_EQ((*got)->actor.ip, "");
  got = store().GetEvent(e.id, std::string("acct_2"));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  got = store().GetEvent(e.id, std::string("acct_1"));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->has_value());
  got = store().GetEvent("evt_missing", std::nullopt);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
}

TEST_P(StoreConformanceTest, AWriteRecordsItsEventInItsTransaction) {
  Recorder<AccountRow> created{"account.created"};
  ASSERT_TRUE(store().CreateAccount(MakeAccount("acct_1"), created.Fn()).ok());
  EXPECT_EQ(created.calls, 1);
  EXPECT_FALSE(created.had_before);
  EXPECT_EQ(created.after.id, "acct_1");
  EXPECT_EQ(Types(List(store(), {})), V({"account.created"}));

  // The change fails (duplicate email): no event.
  ASSERT_TRUE(store().CreateAccount(MakeAccount("acct_2", "a@example.com")).ok());
  Recorder<AccountRow> dup{"account.created", "evt_dup"};
  EXPECT_FALSE(store().CreateAccount(MakeAccount("acct_3", "a@example.com"), dup.Fn()).ok());
  auto none = store().GetEvent("evt_dup", std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  // The event fails (its id is taken): no change.
  Recorder<TokenRow> clash{"token.created", "evt_fixed"};
  Status st = store().InsertToken(MakeToken("tok_1", "acct_1", 1), clash.Fn());
  EXPECT_FALSE(st.ok());
  auto token = store().GetToken("acct_1", "tok_1");
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE(token->has_value()) << "a change without its event";
}

TEST_P(StoreConformanceTest, RevokeRecordsOnceWithTheStateBefore) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  Recorder<TokenRow> first{"token.revoked", "evt_r1"};
  auto revoked = store().RevokeToken("acct_1", "tok_1", kNow, first.Fn());
  ASSERT_TRUE(revoked.ok() && revoked->has_value());
  ASSERT_EQ(first.calls, 1);
  ASSERT_TRUE(first.had_before);
  EXPECT_FALSE(first.before.revoked_at.has_value());
  EXPECT_EQ(first.after.revoked_at, kNow);

  Recorder<TokenRow> again{"token.revoked", "evt_r2"};
  revoked = store().RevokeToken("acct_1", "tok_1", kNow + 5, again.Fn());
  ASSERT_TRUE(revoked.ok() && revoked->has_value());
  EXPECT_EQ(again.calls, 0) << "nothing changed, nothing recorded";
  Recorder<TokenRow> missing{"token.revoked", "evt_r3"};
  revoked = store().RevokeToken("acct_2", "tok_1", kNow, missing.Fn());
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(revoked->has_value());
  EXPECT_EQ(missing.calls, 0);
}

TEST_P(StoreConformanceTest, RollAndCreditsRecordWithBeforeAndAfter) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_old", "acct_1", 1));
  Recorder<TokenRow> rolled{"token.rolled"};
  auto ended = store().RollToken("acct_1", "tok_old", MakeToken("tok_new", "acct_1", 2),
                                 std::nullopt, kNow, rolled.Fn());
  ASSERT_TRUE(ended.ok() && ended->has_value());
  ASSERT_EQ(rolled.calls, 1);
  EXPECT_EQ(rolled.before.id, "tok_old");
  EXPECT_EQ(rolled.after.id, "tok_new");

  Recorder<AccountRow> topped{"credits.topped_up", "evt_credits"};
  auto account = store().AddCredits("acct_1", 25, topped.Fn());
  ASSERT_TRUE(account.ok() && account->has_value());
  ASSERT_EQ(topped.calls, 1);
  EXPECT_EQ(topped.before.credits, 100);
  EXPECT_EQ(topped.after.credits, 125);
  Recorder<AccountRow> nobody{"credits.topped_up", "evt_nobody"};
  account = store().AddCredits("acct_missing", 25, nobody.Fn());
  ASSERT_TRUE(account.ok());
  EXPECT_FALSE(account->has_value());
  EXPECT_EQ(nobody.calls, 0);
}

TEST_P(StoreConformanceTest, ListEventsFiltersAndPages) {
  ASSERT_TRUE(store().AppendEvent(MakeEvent("account.created", "acct_1", kNow - 30)).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("token.created", "acct_1", kNow - 20)).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("token.revoked", "acct_2", kNow - 10)).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("tokenx.fake", "acct_1", kNow - 5)).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("admin_key.created", "", kNow)).ok());

  EXPECT_EQ(Types(List(store(), {})), V({"admin_key.created", "tokenx.fake", "token.revoked",
                                         "token.created", "account.created"}));
  EventFilter by_type;
  by_type.type = "token.revoked";
  EXPECT_EQ(Types(List(store(), by_type)), V({"token.revoked"}));
  by_type.type = "token.*";  // a prefix with its dot: not tokenx.*
  EXPECT_EQ(Types(List(store(), by_type)), V({"token.revoked", "token.created"}));
  EventFilter by_account;
  by_account.account_id = "acct_1";
  EXPECT_EQ(Types(List(store(), by_account)),
            V({"tokenx.fake", "token.created", "account.created"}));
  EventFilter by_time;
  by_time.created_gte = kNow - 20;
  by_time.created_lt = kNow;
  EXPECT_EQ(Types(List(store(), by_time)), V({"tokenx.fake", "token.revoked", "token.created"}));

  Page<EventRow> first = List(store(), {}, 2);
  EXPECT_TRUE(first.has_more);
  ASSERT_EQ(first.items.size(), 2u);
  Page<EventRow> second = List(store(), {}, 2, first.items.back().id);
  EXPECT_EQ(Types(second), V({"token.revoked", "token.created"}));
  EXPECT_TRUE(second.has_more);
  auto unknown = store().ListEvents({}, Options(2, "evt_unknown"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().param(), "starting_after");
}

TEST_P(StoreConformanceTest, PurgeEventsDropsOnlyOldOnes) {
  ASSERT_TRUE(store().AppendEvent(MakeEvent("token.created", "acct_1", kNow - 100)).ok());
  ASSERT_TRUE(store().AppendEvent(MakeEvent("token.revoked", "acct_1", kNow)).ok());
  auto purged = store().PurgeEvents(kNow - 50);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(Types(List(store(), {})), V({"token.revoked"}));
}

EventFor<TokenRow> Notice(std::string type, std::atomic<int>* calls) {
  return [type = std::move(type), calls](const TokenRow*, const TokenRow& t) {
    calls->fetch_add(1);
    EventRow e = MakeEvent(type, t.account_id, kNow);
    e.id = "evt_" + type + "_" + t.id + "_" + std::to_string(*t.expires_at) + "_" +
           std::to_string(calls->load());
    return e;
  };
}

TEST_P(StoreConformanceTest, TokenNoticesAreRecordedOnceAndAgainAfterAChange) {
  CreateAccount("acct_1");
  TokenRow due = MakeToken("tok_due", "acct_1", 1);
  due.expires_at = kNow - 5;
  TokenRow soon = MakeToken("tok_soon", "acct_1", 2);
  soon.expires_at = kNow + 3600;
  TokenRow later = MakeToken("tok_later", "acct_1", 3);
  later.expires_at = kNow + 30 * 86400;
  TokenRow revoked = MakeToken("tok_revoked", "acct_1", 4);
  revoked.expires_at = kNow - 5;
  revoked.revoked_at = kNow - 10;
  for (const TokenRow& t : {due, soon, later, revoked}) InsertToken(t);

  std::atomic<int> expired{0}, expiring{0};
  auto n = store().RecordTokenNotices(kNow, 7 * 86400, 100, Notice("token.expired", &expired),
                                      Notice("token.expiring", &expiring));
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(expired.load(), 1);
  EXPECT_EQ(expiring.load(), 1);
  n = store().RecordTokenNotices(kNow + 1, 7 * 86400, 100, Notice("token.expired", &expired),
                                 Notice("token.expiring", &expiring));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0) << "each notice once";

  // A roll with a grace period moves tok_soon's expiry: it may be announced again.
  auto ended =
      store().RollToken("acct_1", "tok_soon", MakeToken("tok_soon2", "acct_1", 5), kNow + 60, kNow);
  ASSERT_TRUE(ended.ok() && ended->has_value());
  n = store().RecordTokenNotices(kNow + 61, 7 * 86400, 100, Notice("token.expired", &expired),
                                 Notice("token.expiring", &expiring));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(expired.load(), 2);
  EventFilter filter;
  filter.type = "token.expired";
  EXPECT_EQ(List(store(), filter).items.size(), 2u);
}

TEST_P(StoreConformanceTest, ConcurrentNoticeRoundsRecordEachOnce) {
  CreateAccount("acct_1");
  for (uint64_t i = 0; i < 20; ++i) {
    TokenRow t = MakeToken("tok_" + std::to_string(i), "acct_1", 100 + i);
    t.expires_at = kNow - 1;
    InsertToken(t);
  }
  std::atomic<int> expired{0}, expiring{0};
  std::latch start(4);
  std::vector<std::thread> rounds;
  for (int r = 0; r < 4; ++r) {
    rounds.emplace_back([&] {
      start.arrive_and_wait();
      auto n = store().RecordTokenNotices(kNow, 0, 100, Notice("token.expired", &expired),
                                          Notice("token.expiring", &expiring));
      EXPECT_TRUE(n.ok());
    });
  }
  for (std::thread& t : rounds) t.join();
  EventFilter filter;
  filter.type = "token.expired";
  EXPECT_EQ(List(store(), filter).items.size(), 20u);
  EXPECT_EQ(expiring.load(), 0);
}

}  // namespace
}  // namespace keyward::conformance
