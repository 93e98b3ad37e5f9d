// Signed webhooks against the real binary (API.md 14): a receiver on loopback verifying every
// signature; the retry schedule shortened by configuration and a receiver answering 500 then
// 200; the last failure and automatic disabling; SSRF refusals at create and at delivery time;
// deliveries pending across kill -9; two nodes on one PostgreSQL making each attempt once.
#include <openssl/evp.h>

#include <map>
#include <set>

#include "harness.h"
#include "postgres_server.h"
#include "webhook_receiver.h"

namespace keyward_it {
namespace {

namespace json = boost::json;
constexpr auto kWebhookDeadline = std::chrono::seconds(20);

// A config that lets webhooks reach the receiver on this machine, plus `extra` lines.
std::string LoopbackWebhooks(const std::string& extra = {}) {
  return "[webhooks]\nallow_http = [\"127.0.0.1\"]\nallow_private = [\"127.0.0.1/32\"]\n" + extra;
}

struct Endpoint {
  std::string id;
  std::string secret;
};

Endpoint CreateEndpoint(HttpClient& c, const std::string& admin, const std::string& url,
                        json::array events = {"*"}) {
  Response r = c.Post("/v1/webhook_endpoints",
                      json::object{{"url", url}, {"enabled_events", events}}, Admin(admin));
  if (r.status != 200) throw std::runtime_error("create endpoint: " + Describe(r));
  json::object o = r.object();
  return Endpoint{AsString(o.at("id")), AsString(o.at("secret"))};
}

// Checks the signature of `w` with `secret` as a receiver would (API.md 14).
::testing::AssertionResult SignedWith(const ReceivedWebhook& w, const std::string& secret) {
  auto it = w.headers.find("keyward-signature");
  if (it == w.headers.end()) return ::testing::AssertionFailure() << "no Keyward-Signature";
  const std::string& sig = it->second;  // t=<unix>,v1=<hex>
  const size_t comma = sig.find(",v1=");
  if (!sig.starts_with("t=") || comma == std::string::npos) {
    return ::testing::AssertionFailure() << "malformed signature " << sig;
  }
  const std::string t = sig.substr(2, comma - 2);
  const std::string v1 = sig.substr(comma + 4);
  const std::string expected = TestHmacSha256Hex(secret, t + "." + w.body);
  if (v1 != expected) return ::testing::AssertionFailure() << "signature does not verify";
  if (std::llabs(std::stoll(t) - Now()) > 60) {
    return ::testing::AssertionFailure() << "timestamp far from now: " << t;
  }
  return ::testing::AssertionSuccess();
}

json::array Deliveries(HttpClient& c, const std::string& admin, const std::string& endpoint) {
  Response r = c.Get("/v1/webhook_endpoints/" + endpoint + "/deliveries?limit=100", Admin(admin));
  if (r.status != 200) throw std::runtime_error("deliveries: " + Describe(r));
  return r.object().at("data").as_array();
}

TEST(WebhooksTest, ALoopbackReceiverGetsSignedEventsEqualToTheLog) {
  WebhookReceiver receiver;
  KeywardOptions options;
  options.config_toml = LoopbackWebhooks();
  KeywardProcess server(options);
  HttpClient c = server.Client();
  Endpoint ep = CreateEndpoint(c, server.admin_key(), receiver.url(), {"account.*", "token.*"});
  EXPECT_TRUE(ep.secret.starts_with("whsec_"));
  const std::string account = CreateAccount(c, server.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(server.admin_key(), account));
  RevokeKey(c, AdminFor(server.admin_key(), account), key.id);

  ASSERT_TRUE(PollUntil([&] { return receiver.count() >= 3; }, kWebhookDeadline))
      << "received " << receiver.count();
  std::set<std::string> types;
  for (const ReceivedWebhook& w : receiver.received()) {
    EXPECT_TRUE(SignedWith(w, ep.secret));
    EXPECT_EQ(w.target, "/hook");
    EXPECT_EQ(w.headers.at("content-type"), "application/json");
    EXPECT_TRUE(w.headers.at("user-agent").starts_with("keyward/")) << w.headers.at("user-agent");
    json::object event = json::parse(w.body).as_object();
    EXPECT_EQ(AsString(event.at("id")), w.headers.at("keyward-event-id"));
    EXPECT_EQ(AsString(event.at("type")), w.headers.at("keyward-event-type"));
    types.insert(AsString(event.at("type")));
    // The body is the event as the log has it.
    Response logged = c.Get("/v1/events/" + AsString(event.at("id")), Admin(server.admin_key()));
    ASSERT_EQ(logged.status, 200) << Describe(logged);
    EXPECT_EQ(logged.json(), json::value(event));
    EXPECT_EQ(w.body.find(key.key), std::string::npos) << "a key in a webhook";
  }
  EXPECT_EQ(types, (std::set<std::string>{"account.created", "token.created", "token.revoked"}));
  // Not subscribed: admin_key.created and the endpoint's own events.
  json::array log = Deliveries(c, server.admin_key(), ep.id);
  EXPECT_EQ(log.size(), 3u);
  for (const auto& d : log) {
    EXPECT_EQ(d.at("object"), "webhook_delivery");
    EXPECT_EQ(d.at("status"), "succeeded");
    EXPECT_EQ(d.at("response_status"), 200);
    EXPECT_EQ(d.at("attempt"), 1);
  }

  // roll_secret: the next deliveries are signed with the new secret only.
  Response rolled = c.Post("/v1/webhook_endpoints/" + ep.id + "/roll_secret", json::object{},
                           Admin(server.admin_key()));
  ASSERT_EQ(rolled.status, 200) << Describe(rolled);
  const std::string new_secret = AsString(rolled.object().at("secret"));
  EXPECT_NE(new_secret, ep.secret);
  CreateKey(c, AdminFor(server.admin_key(), account));
  ASSERT_TRUE(PollUntil([&] { return receiver.count() >= 4; }, kWebhookDeadline));
  const ReceivedWebhook last = receiver.received().back();
  EXPECT_TRUE(SignedWith(last, new_secret));
  EXPECT_FALSE(SignedWith(last, ep.secret));
}

TEST(WebhooksTest, A500IsRetriedOnTheScheduleAndThenDelivered) {
  WebhookReceiver receiver;
  receiver.Script({500, 200});
  KeywardOptions options;
  options.config_toml = LoopbackWebhooks("retry_schedule = \"1s,1s,1s\"\n");
  KeywardProcess server(options);
  HttpClient c = server.Client();
  Endpoint ep = CreateEndpoint(c, server.admin_key(), receiver.url(), {"account.created"});
  CreateAccount(c, server.admin_key());
  ASSERT_TRUE(PollUntil([&] { return receiver.count() >= 2; }, kWebhookDeadline));
  std::vector<ReceivedWebhook> got = receiver.received();
  EXPECT_EQ(got[0].headers.at("keyward-event-id"), got[1].headers.at("keyward-event-id"));
  ASSERT_TRUE(PollUntil(
      [&] {
        json::array log = Deliveries(c, server.admin_key(), ep.id);
        return log.size() == 2 && log[0].at("status") == "succeeded";
      },
      kWebhookDeadline));
  json::array log = Deliveries(c, server.admin_key(), ep.id);  // newest first
  EXPECT_EQ(log[0].at("attempt"), 2);
  EXPECT_EQ(log[0].at("response_status"), 200);
  EXPECT_EQ(log[1].at("attempt"), 1);
  EXPECT_EQ(log[1].at("status"), "failed");
  EXPECT_EQ(log[1].at("response_status"), 500);
  EXPECT_TRUE(log[0].at("next_attempt_at").is_null());
}

TEST(WebhooksTest, AfterTheLastAttemptItFailedAndTheEndpointIsDisabled) {
  WebhookReceiver receiver;
  receiver.Script({503});
  KeywardOptions options;
  options.config_toml = LoopbackWebhooks("retry_schedule = \"1s,1s\"\ndisable_after = \"1s\"\n");
  KeywardProcess server(options);
  HttpClient c = server.Client();
  Endpoint ep = CreateEndpoint(c, server.admin_key(), receiver.url(), {"account.created"});
  CreateAccount(c, server.admin_key());
  ASSERT_TRUE(PollUntil(
      [&] {
        Response r = c.Get("/v1/webhook_endpoints/" + ep.id, Admin(server.admin_key()));
        return r.status == 200 && r.object().at("status") == "disabled";
      },
      kWebhookDeadline));
  Response events = c.Get("/v1/events?type=webhook_endpoint.disabled", Admin(server.admin_key()));
  ASSERT_EQ(events.status, 200);
  json::array data = events.object().at("data").as_array();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].at("actor").at("type"), "system");
  EXPECT_EQ(AsString(data[0].at("data").at("object").at("id")), ep.id);
  // Every attempt made failed; an attempt still queued waits while the endpoint is disabled.
  int failed = 0;
  for (const auto& d : Deliveries(c, server.admin_key(), ep.id)) {
    EXPECT_NE(d.at("status"), "succeeded");
    if (d.at("status") == "failed") ++failed;
  }
  EXPECT_GE(failed, 2);
  EXPECT_EQ(receiver.count(), static_cast<size_t>(failed));
}

TEST(WebhooksTest, SsrfRefusalsAtCreateTime) {
  KeywardOptions options;
  options.config_toml = "[webhooks]\nallow_http = [\"127.0.0.1\", \"localhost\"]\n";
  KeywardProcess server(options);
  HttpClient c = server.Client();
  for (const std::string& url :
       {"http://example.com/hook", "ftp://example.com/", "https://user:pw@example.com/",
        "https://127.0.0.1/", "http://127.0.0.1:9/hook", "http://localhost/hook",
        "https://10.0.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest",
        "https://[::1]/", "https://0.0.0.0/", "https://[fe80::1]/", "not a url", ""}) {
    Response r = c.Post("/v1/webhook_endpoints",
                        json::object{{"url", url}, {"enabled_events", json::array{"*"}}},
                        Admin(server.admin_key()));
    EXPECT_TRUE(IsError(r, 400, "INVALID_REQUEST", "url")) << url << ": " << Describe(r);
  }
  Response events = c.Post(
      "/v1/webhook_endpoints",
      json::object{{"url", "https://example.com/"}, {"enabled_events", json::array{"token.bogus"}}},
      Admin(server.admin_key()));
  EXPECT_TRUE(IsError(events, 400, "INVALID_REQUEST", "enabled_events")) << Describe(events);
  Response empty =
      c.Post("/v1/webhook_endpoints",
             json::object{{"url", "https://example.com/"}, {"enabled_events", json::array{}}},
             Admin(server.admin_key()));
  EXPECT_TRUE(IsError(empty, 400, "INVALID_REQUEST", "enabled_events"));
  // Accounts may not own endpoints unless the operator allows it.
  const std::string account = CreateAccount(c, server.admin_key());
  CreatedKey sk = CreateKey(c, AdminFor(server.admin_key(), account));
  Response mine =
      c.Post("/v1/webhook_endpoints",
             json::object{{"url", "https://example.com/"}, {"enabled_events", json::array{"*"}}},
             ApiKey(sk.key));
  EXPECT_TRUE(IsError(mine, 403, "FORBIDDEN")) << Describe(mine);
}

TEST(WebhooksTest, SsrfRefusalAtDeliveryTimeIsAFailedAttemptWithoutARequest) {
  WebhookReceiver receiver;
  KeywardOptions options;
  options.config_toml = LoopbackWebhooks("retry_schedule = \"1s\"\n");
  KeywardProcess server(options);
  HttpClient c = server.Client();
  Endpoint ep = CreateEndpoint(c, server.admin_key(), receiver.url(), {"account.created"});
  ASSERT_EQ(server.Stop(), 0);
  // The same store, now without the loopback allowance: the endpoint's address is refused at
  // every attempt, and the receiver never sees a request.
  {
    std::FILE* f = std::fopen(server.config_path().c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("[webhooks]\nallow_http = [\"127.0.0.1\"]\nretry_schedule = \"1s\"\n", f);
    std::fclose(f);
  }
  server.Start();
  HttpClient c2 = server.Client();
  CreateAccount(c2, server.admin_key());
  ASSERT_TRUE(PollUntil(
      [&] {
        json::array log = Deliveries(c2, server.admin_key(), ep.id);
        return log.size() == 2 && log[0].at("status") == "failed" &&
               log[1].at("status") == "failed";
      },
      kWebhookDeadline));
  for (const auto& d : Deliveries(c2, server.admin_key(), ep.id)) {
    EXPECT_TRUE(d.at("response_status").is_null());
  }
  EXPECT_EQ(receiver.count(), 0u);
}

TEST(WebhooksTest, PendingDeliveriesSurviveKill9) {
  WebhookReceiver receiver;
  receiver.Stop();  // the receiver is down: every attempt fails and is queued again
  KeywardOptions options;
  // A short timeout keeps the lease of an attempt cut off by the kill short (2 × timeout + 5 s).
  options.config_toml = LoopbackWebhooks(
      "timeout = \"1s\"\nretry_schedule = \"1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s\"\n");
  KeywardProcess server(options);
  HttpClient c = server.Client();
  Endpoint ep = CreateEndpoint(c, server.admin_key(), receiver.url(), {"account.created"});
  std::set<std::string> accounts;
  for (int i = 0; i < 5; ++i) accounts.insert(CreateAccount(c, server.admin_key()));
  server.Kill();
  receiver.Start();
  server.Start();
  ASSERT_TRUE(PollUntil([&] { return receiver.count() >= 5; }, kWebhookDeadline));
  std::set<std::string> delivered;
  for (const ReceivedWebhook& w : receiver.received()) {
    EXPECT_TRUE(SignedWith(w, ep.secret));
    delivered.insert(AsString(json::parse(w.body).at("data").at("object").at("id")));
  }
  EXPECT_EQ(delivered, accounts);
}

TEST(WebhooksTest, TwoNodesOnPostgresMakeEachAttemptOnce) {
  keyward_test::PostgresServer::Database db = keyward_test::SharedPostgresServer().CreateDatabase();
  WebhookReceiver receiver;
  const std::string config = LoopbackWebhooks(
      "secret_key = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n"
      "poll_interval_ms = 50\n");
  KeywardOptions first;
  first.config_toml = config;
  KeywardProcess a(first, db.url);
  KeywardOptions second;
  second.config_toml = config;
  second.create_admin_key = false;
  KeywardProcess b(second, db.url);
  HttpClient ca = a.Client();
  HttpClient cb = b.Client();
  Endpoint ep = CreateEndpoint(ca, a.admin_key(), receiver.url(), {"account.created"});
  constexpr int kEvents = 40;
  for (int i = 0; i < kEvents; ++i) CreateAccount(i % 2 ? ca : cb, a.admin_key());
  ASSERT_TRUE(PollUntil([&] { return receiver.count() >= kEvents; }, kWebhookDeadline));
  // Give a duplicate the chance to arrive before counting.
  PollUntil([&] { return receiver.count() > kEvents; }, std::chrono::seconds(2));
  std::map<std::string, int> per_event;
  for (const ReceivedWebhook& w : receiver.received()) {
    EXPECT_TRUE(SignedWith(w, ep.secret));
    ++per_event[w.headers.at("keyward-event-id")];
  }
  EXPECT_EQ(per_event.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, n] : per_event) EXPECT_EQ(n, 1) << id;
  EXPECT_EQ(Deliveries(ca, a.admin_key(), ep.id).size(), static_cast<size_t>(kEvents));
}

}  // namespace
}  // namespace keyward_it
