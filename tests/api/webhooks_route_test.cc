// Webhook endpoints (API.md 14), in process: who may own them, validation (SSRF refusals at
// create time included), the secret shown once (never in a GET, an event or a replay), updates,
// roll_secret, delete and the deliveries log. Delivery itself runs against the real binary
// (tests/integration/webhooks_test.cc).
#include <gtest/gtest.h>

#include "route_test.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

// A public address literal: no DNS lookup, not private.
constexpr const char* kUrl = "https://93.184.216.34/hooks";

EnvOptions WithWebhooks(bool accounts_allowed) {
  EnvOptions o;
  o.service.webhooks.seal_key = std::string(32, 'k');
  o.service.webhooks.allow_account_endpoints = accounts_allowed;
  return o;
}

class WebhooksRoute : public RouteTest {
 protected:
  explicit WebhooksRoute(EnvOptions o = WithWebhooks(false)) : RouteTest(std::move(o)) {}
  Answer Create(object body, Headers auth) {
    if (!body.contains("url")) body["url"] = kUrl;
    if (!body.contains("enabled_events")) body["enabled_events"] = array{"*"};
    return Post("/v1/webhook_endpoints", body, std::move(auth));
  }
};

class AccountWebhooksRoute : public WebhooksRoute {
 protected:
  AccountWebhooksRoute() : WebhooksRoute(WithWebhooks(true)) {}
};

TEST_F(WebhooksRoute, Create200ShowsTheSecretOnce) {
  Answer a = Create({{"description", "ops"}}, Admin(admin()));
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object o = BodyOf(a);
  const std::string id(o.at("id").as_string());
  const std::string secret(o.at("secret").as_string());
  EXPECT_TRUE(id.starts_with("we_"));
  EXPECT_TRUE(secret.starts_with("whsec_"));
  EXPECT_EQ(o.at("object"), "webhook_endpoint");
  EXPECT_EQ(o.at("status"), "enabled");
  EXPECT_EQ(o.at("url"), kUrl);
  EXPECT_TRUE(o.at("account").is_null());
  EXPECT_EQ(HeaderOf(a, "Cache-Control"), "no-store");

  Answer got = Get("/v1/webhook_endpoints/" + id, Admin(admin()));
  ASSERT_TRUE(IsOk(got));
  EXPECT_FALSE(BodyOf(got).contains("secret"));
  Answer list = Get("/v1/webhook_endpoints", Admin(admin()));
  ASSERT_TRUE(IsOk(list));
  EXPECT_EQ(BodyOf(list).at("data").as_array().size(), 1u);
  Answer events = Get("/v1/events?type=webhook_endpoint.created", Admin(admin()));
  ASSERT_TRUE(IsOk(events));
  EXPECT_EQ(events.response.body.find(secret), std::string::npos) << "a secret in an event";
  EXPECT_EQ(BodyOf(events).at("data").as_array().size(), 1u);
}

TEST_F(WebhooksRoute, AReplayedCreateHasNoSecret) {
  Headers auth = Join(Admin(admin()), {{"Idempotency-Key", "create-hook-1"}});
  Answer first = Create({}, auth);
  ASSERT_TRUE(IsOk(first));
  Answer again = Create({}, auth);
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(HeaderOf(again, "Idempotent-Replayed"), "true");
  EXPECT_FALSE(BodyOf(again).contains("secret"));
  EXPECT_EQ(BodyOf(again).at("id"), BodyOf(first).at("id"));
}

TEST_F(WebhooksRoute, Create400NamesTheField) {
  for (const char* url : {"http://93.184.216.34/", "https://127.0.0.1/", "https://10.1.2.3/",
                          "https://[::1]/", "https://169.254.169.254/", "ftp://93.184.216.34/",
                          "https://u:p@93.184.216.34/", "https://93.184.216.34:0/", ""}) {
    EXPECT_TRUE(IsError(Create({{"url", url}}, Admin(admin())), 400, "INVALID_REQUEST", "url"))
        << url;
  }
  EXPECT_TRUE(IsError(Create({{"enabled_events", array{}}}, Admin(admin())), 400, "INVALID_REQUEST",
                      "enabled_events"));
  EXPECT_TRUE(IsError(Create({{"enabled_events", array{"nope.nothing"}}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "enabled_events"));
  EXPECT_TRUE(IsError(Create({{"enabled_events", "token.*"}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "enabled_events"));
  EXPECT_TRUE(IsError(Create({{"extra", 1}}, Admin(admin())), 400, "INVALID_REQUEST", "extra"));
  EXPECT_TRUE(IsError(Create({{"account", "acct_000000000000000000000000"}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "account"));
  EXPECT_TRUE(IsError(Post("/v1/webhook_endpoints", object{{"url", kUrl}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "enabled_events"));
  EXPECT_TRUE(IsError(Create({{"description", std::string(501, 'd')}}, Admin(admin())), 400,
                      "INVALID_REQUEST", "description"));
  EXPECT_TRUE(IsOk(Create({{"enabled_events", array{"token.*", "credits.low"}}}, Admin(admin()))));
}

TEST_F(WebhooksRoute, AccountsMayNotOwnEndpointsByDefault) {
  CreatedKey sk = NewSecretKey();
  EXPECT_TRUE(IsError(Create({}, ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/webhook_endpoints", ApiKey(sk.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Create({}, {}), 401, "UNAUTHORIZED"));
}

TEST_F(AccountWebhooksRoute, AnAccountOwnsItsEndpointsAndSeesNoOther) {
  std::string a, b;
  CreatedKey ka = NewSecretKey(&a);
  CreatedKey kb = NewSecretKey(&b);
  Answer mine = Create({}, ApiKey(ka.key));
  ASSERT_TRUE(IsOk(mine)) << Describe(mine);
  EXPECT_EQ(Str(BodyOf(mine).at("account")), a);
  const std::string id(BodyOf(mine).at("id").as_string());
  EXPECT_TRUE(IsError(Get("/v1/webhook_endpoints/" + id, ApiKey(kb.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Delete("/v1/webhook_endpoints/" + id, ApiKey(kb.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsOk(Get("/v1/webhook_endpoints/" + id, Admin(admin()))));
  EXPECT_EQ(BodyOf(Get("/v1/webhook_endpoints", ApiKey(kb.key))).at("data").as_array().size(), 0u);
  EXPECT_TRUE(IsError(Create({{"account", b}}, ApiKey(ka.key)), 400, "INVALID_REQUEST", "account"));
  CreatedKey restricted =
      NewKey(ApiKey(ka.key), object{{"type", "restricted"}, {"permissions", array{"tokens:read"}}});
  EXPECT_TRUE(IsError(Create({}, ApiKey(restricted.key)), 403, "FORBIDDEN"));
}

TEST_F(WebhooksRoute, UpdateRollDeleteAndDeliveries) {
  Answer created = Create({}, Admin(admin()));
  ASSERT_TRUE(IsOk(created));
  const std::string id(BodyOf(created).at("id").as_string());
  const std::string secret(BodyOf(created).at("secret").as_string());

  Answer updated = Post("/v1/webhook_endpoints/" + id,
                        object{{"status", "disabled"}, {"enabled_events", array{"token.revoked"}}},
                        Admin(admin()));
  ASSERT_TRUE(IsOk(updated)) << Describe(updated);
  EXPECT_EQ(BodyOf(updated).at("status"), "disabled");
  EXPECT_EQ(BodyOf(updated).at("enabled_events"), (array{"token.revoked"}));
  EXPECT_TRUE(
      IsError(Post("/v1/webhook_endpoints/" + id, object{{"status", "paused"}}, Admin(admin())),
              400, "INVALID_REQUEST", "status"));
  EXPECT_TRUE(IsError(
      Post("/v1/webhook_endpoints/" + id, object{{"url", "https://10.0.0.1/"}}, Admin(admin())),
      400, "INVALID_REQUEST", "url"));
  Answer changed = Get("/v1/events?type=webhook_endpoint.updated", Admin(admin()));
  object e = BodyOf(changed).at("data").as_array()[0].as_object();
  EXPECT_EQ(e.at("data").at("previous_attributes").at("status"), "enabled");

  Answer rolled = Post("/v1/webhook_endpoints/" + id + "/roll_secret", object{}, Admin(admin()));
  ASSERT_TRUE(IsOk(rolled));
  const std::string new_secret(BodyOf(rolled).at("secret").as_string());
  EXPECT_TRUE(new_secret.starts_with("whsec_"));
  EXPECT_NE(new_secret, secret);

  Answer log = Get("/v1/webhook_endpoints/" + id + "/deliveries", Admin(admin()));
  ASSERT_TRUE(IsOk(log));
  EXPECT_EQ(BodyOf(log).at("object"), "list");

  Answer deleted = Delete("/v1/webhook_endpoints/" + id, Admin(admin()));
  ASSERT_TRUE(IsOk(deleted));
  EXPECT_EQ(BodyOf(deleted),
            (object{{"id", id}, {"object", "webhook_endpoint"}, {"deleted", true}}));
  EXPECT_TRUE(IsError(Get("/v1/webhook_endpoints/" + id, Admin(admin())), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Get("/v1/webhook_endpoints/we_nope", Admin(admin())), 404, "NOT_FOUND"));
  Answer all = Get("/v1/events?type=webhook_endpoint.*&limit=100", Admin(admin()));
  for (const std::string& s : {secret, new_secret}) {
    EXPECT_EQ(all.response.body.find(s), std::string::npos);
  }
}

TEST_F(WebhooksRoute, EventsQueueOneDeliveryPerSubscribedEndpoint) {
  Answer tokens = Create({{"enabled_events", array{"token.*"}}}, Admin(admin()));
  Answer accounts = Create({{"enabled_events", array{"account.created"}}}, Admin(admin()));
  ASSERT_TRUE(IsOk(tokens));
  ASSERT_TRUE(IsOk(accounts));
  std::string account;
  NewSecretKey(&account);  // account.created + token.created
  auto count = [&](const Answer& endpoint) {
    Answer log = Get("/v1/webhook_endpoints/" + std::string(BodyOf(endpoint).at("id").as_string()) +
                         "/deliveries",
                     Admin(admin()));
    array data = BodyOf(log).at("data").as_array();
    for (const auto& d : data) {
      EXPECT_EQ(d.at("status"), "pending");
      EXPECT_EQ(d.at("attempt"), 1);
    }
    return data.size();
  };
  EXPECT_EQ(count(tokens), 1u);
  EXPECT_EQ(count(accounts), 1u);
}

}  // namespace
}  // namespace keyward::api_test
