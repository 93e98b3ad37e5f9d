// The Store conformance suite (see store_conformance_test.cc): webhook endpoints and the delivery
// queue (API.md 14) — the fan-out of each recorded event, leases given to one owner, the outcome
// of an attempt (retry, last failure, automatic disabling) and the deliveries log.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

WebhookEndpointRow MakeEndpoint(std::string id, std::string owner, std::vector<std::string> events,
                                std::string account_filter = {}) {
  WebhookEndpointRow e;
  e.id = std::move(id);
  e.owner_account_id = std::move(owner);
  e.account_filter = std::move(account_filter);
  e.url = "https://hooks.example.com/" + e.id;
  e.description = "d";
  e.enabled_events = std::move(events);
  e.secret = "v1:sealed";
  e.created = kNow;
  return e;
}

int counter = 0;
EventRow Event(std::string type, std::string account, int64_t created = kNow) {
  EventRow e;
  e.id = "evt_w" + std::to_string(++counter);
  e.type = std::move(type);
  e.created = created;
  e.account_id = std::move(account);
  e.actor = EventActor{"system", "", ""};
  e.data = "{}";
  return e;
}

std::vector<WebhookDeliveryRow> Log(Store& store, const std::string& endpoint) {
  auto page = store.ListWebhookDeliveries(endpoint, Options(100));
  EXPECT_TRUE(page.ok());
  return page.ok() ? page->items : std::vector<WebhookDeliveryRow>{};
}

TEST_P(StoreConformanceTest, EndpointsRoundTripAndList) {
  WebhookEndpointRow op = MakeEndpoint("we_op", "", {"token.*", "*"}, "acct_1");
  WebhookEndpointRow mine = MakeEndpoint("we_mine", "acct_1", {"token.revoked"});
  mine.failing_since = kNow - 5;
  ASSERT_TRUE(store().CreateWebhookEndpoint(op).ok());
  ASSERT_TRUE(store().CreateWebhookEndpoint(mine).ok());
  auto got = store().GetWebhookEndpoint("we_mine");
  ASSERT_TRUE(got.ok() && got->has_value());
  const WebhookEndpointRow& r = **got;
  EXPECT_EQ(
      std::tie(r.id, r.owner_account_id, r.account_filter, r.url, r.description, r.enabled_events,
               r.enabled, r.secret, r.created, r.failing_since),
      std::tie(mine.id, mine.owner_account_id, mine.account_filter, mine.url, mine.description,
               mine.enabled_events, mine.enabled, mine.secret, mine.created, mine.failing_since));
  auto operators = store().ListWebhookEndpoints("", Options(10));
  ASSERT_TRUE(operators.ok());
  EXPECT_EQ(Ids(*operators), V({"we_op"}));
  auto accounts = store().ListWebhookEndpoints("acct_1", Options(10));
  ASSERT_TRUE(accounts.ok());
  EXPECT_EQ(Ids(*accounts), V({"we_mine"}));
  auto bad = store().ListWebhookEndpoints("", Options(10, "we_missing"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().param(), "starting_after");

  WebhookEndpointRow changed = mine;
  changed.enabled = false;
  changed.url = "https://hooks.example.com/new";
  int calls = 0;
  auto after = store().UpdateWebhookEndpoint(
      changed, [&](const WebhookEndpointRow* before, const WebhookEndpointRow& a) {
        ++calls;
        EXPECT_TRUE(before && before->enabled);
        EXPECT_FALSE(a.enabled);
        return Event("webhook_endpoint.updated", "acct_1");
      });
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->url, "https://hooks.example.com/new");
  EXPECT_EQ(calls, 1);
  auto gone = store().DeleteWebhookEndpoint("we_mine");
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(*gone);
  gone = store().DeleteWebhookEndpoint("we_mine");
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(*gone);
}

TEST_P(StoreConformanceTest, AnEventQueuesOneDeliveryPerSubscribedEnabledEndpoint) {
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_all", "", {"*"})).ok());
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_tokens", "", {"token.*"})).ok());
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_filtered", "", {"*"}, "acct_2")).ok());
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_acct1", "acct_1", {"*"})).ok());
  WebhookEndpointRow off = MakeEndpoint("we_off", "", {"*"});
  off.enabled = false;
  ASSERT_TRUE(store().CreateWebhookEndpoint(off).ok());

  ASSERT_TRUE(store().AppendEvent(Event("token.revoked", "acct_1")).ok());
  ASSERT_TRUE(store().AppendEvent(Event("account.created", "acct_2")).ok());
  ASSERT_TRUE(store().AppendEvent(Event("admin_key.created", "")).ok());
  EXPECT_EQ(Log(store(), "we_all").size(), 3u);
  EXPECT_EQ(Log(store(), "we_tokens").size(), 1u);
  EXPECT_EQ(Log(store(), "we_filtered").size(), 1u);  // acct_2's only
  EXPECT_EQ(Log(store(), "we_acct1").size(), 1u);     // its own account's only
  EXPECT_EQ(Log(store(), "we_off").size(), 0u);
  for (const WebhookDeliveryRow& d : Log(store(), "we_all")) {
    EXPECT_EQ(d.status, DeliveryStatus::kPending);
    EXPECT_EQ(d.attempt, 1);
    EXPECT_EQ(d.next_attempt_at, kNow);
    EXPECT_TRUE(d.id.starts_with("wd_"));
  }
}

TEST_P(StoreConformanceTest, LeasesGoToOneOwnerUntilTheyEnd) {
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_1", "", {"*"})).ok());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(store().AppendEvent(Event("token.created", "a")).ok());
  std::latch start(3);
  std::vector<std::vector<std::string>> got(3);
  std::vector<std::thread> nodes;
  for (int n = 0; n < 3; ++n) {
    nodes.emplace_back([&, n] {
      start.arrive_and_wait();
      for (int round = 0; round < 10; ++round) {
        auto due = store().LeaseDueDeliveries("node" + std::to_string(n), kNow, kNow + 60, 4);
        ASSERT_TRUE(due.ok()) << due.error().message();
        for (const DueDelivery& d : *due) {
          EXPECT_EQ(d.endpoint.id, "we_1");
          EXPECT_EQ(d.event.id, d.delivery.event_id);
          got[n].push_back(d.delivery.id);
        }
      }
    });
  }
  for (std::thread& t : nodes) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& ids : got) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, 30u) << "every due delivery leased";
  EXPECT_EQ(all.size(), 30u) << "each to one owner";
  // Nothing more while the leases hold; everything again once they ended.
  auto none = store().LeaseDueDeliveries("late", kNow + 59, kNow + 120, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto again = store().LeaseDueDeliveries("late", kNow + 60, kNow + 120, 100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 30u);
}

TEST_P(StoreConformanceTest, AnAttemptIsRecordedRetriedAndDisablesAFailingEndpoint) {
  ASSERT_TRUE(store().CreateWebhookEndpoint(MakeEndpoint("we_1", "", {"*"})).ok());
  ASSERT_TRUE(store().AppendEvent(Event("token.created", "a")).ok());
  auto due = store().LeaseDueDeliveries("n1", kNow, kNow + 60, 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  const std::string first = (*due)[0].delivery.id;

  AttemptOutcome failed;
  failed.response_status = 500;
  failed.duration_ms = 12;
  failed.attempted_at = kNow;
  failed.retry_at = kNow + 60;
  failed.disable_if_failing_since = kNow - 100;
  // Another owner cannot complete it.
  auto stolen = store().CompleteDelivery(first, "n2", failed);
  ASSERT_TRUE(stolen.ok());
  EXPECT_FALSE(*stolen);
  auto done = store().CompleteDelivery(first, "n1", failed);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  done = store().CompleteDelivery(first, "n1", failed);
  ASSERT_TRUE(done.ok());
  EXPECT_FALSE(*done) << "an attempt is recorded once";
  std::vector<WebhookDeliveryRow> log = Log(store(), "we_1");  // newest first
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].attempt, 2);
  EXPECT_EQ(log[0].status, DeliveryStatus::kPending);
  EXPECT_EQ(log[0].next_attempt_at, kNow + 60);
  EXPECT_EQ(log[1].status, DeliveryStatus::kFailed);
  EXPECT_EQ(log[1].response_status, 500);
  EXPECT_EQ(log[1].duration_ms, 12);
  EXPECT_FALSE(log[1].next_attempt_at.has_value());
  auto endpoint = store().GetWebhookEndpoint("we_1");
  EXPECT_EQ((*endpoint)->failing_since, kNow);

  // Not due yet; then the last attempt fails long enough after the first: disabled, recorded.
  auto early = store().LeaseDueDeliveries("n1", kNow + 59, kNow + 200, 10);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  due = store().LeaseDueDeliveries("n1", kNow + 60, kNow + 200, 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  AttemptOutcome last;
  last.attempted_at = kNow + 60;
  last.disable_if_failing_since = kNow + 10;
  int disabled_events = 0;
  done =
      store().CompleteDelivery((*due)[0].delivery.id, "n1", last,
                               [&](const WebhookEndpointRow* before, const WebhookEndpointRow& a) {
                                 ++disabled_events;
                                 EXPECT_TRUE(before && before->enabled);
                                 EXPECT_FALSE(a.enabled);
                                 return Event("webhook_endpoint.disabled", "");
                               });
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(disabled_events, 1);
  endpoint = store().GetWebhookEndpoint("we_1");
  EXPECT_FALSE((*endpoint)->enabled);
  log = Log(store(), "we_1");
  ASSERT_EQ(log.size(), 2u) << "no attempt after the last";
  EXPECT_EQ(log[0].status, DeliveryStatus::kFailed);

  // A disabled endpoint's new deliveries wait: nothing is leased.
  ASSERT_TRUE(store().AppendEvent(Event("token.created", "a", kNow + 61)).ok());
  auto waiting = store().LeaseDueDeliveries("n1", kNow + 100, kNow + 200, 10);
  ASSERT_TRUE(waiting.ok());
  EXPECT_TRUE(waiting->empty());
}

TEST_P(StoreConformanceTest, ASuccessClearsTheFailureClockAndReleaseMakesItDueAgain) {
  WebhookEndpointRow e = MakeEndpoint("we_1", "", {"*"});
  e.failing_since = kNow - 1000;
  ASSERT_TRUE(store().CreateWebhookEndpoint(e).ok());
  ASSERT_TRUE(store().AppendEvent(Event("token.created", "a")).ok());
  auto due = store().LeaseDueDeliveries("n1", kNow, kNow + 60, 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u);
  ASSERT_TRUE(store().ReleaseDelivery((*due)[0].delivery.id, "n1").ok());
  due = store().LeaseDueDeliveries("n2", kNow, kNow + 60, 10);
  ASSERT_TRUE(due.ok() && due->size() == 1u) << "released: due again at once";
  AttemptOutcome ok;
  ok.succeeded = true;
  ok.response_status = 204;
  ok.attempted_at = kNow;
  auto done = store().CompleteDelivery((*due)[0].delivery.id, "n2", ok);
  ASSERT_TRUE(done.ok() && *done);
  auto endpoint = store().GetWebhookEndpoint("we_1");
  EXPECT_FALSE((*endpoint)->failing_since.has_value());
  EXPECT_EQ(Log(store(), "we_1")[0].status, DeliveryStatus::kSucceeded);
}

}  // namespace
}  // namespace keyward::conformance
