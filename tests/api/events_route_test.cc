// Events and the audit log (API.md 13): GET /v1/events and /v1/events/:id, in process — one event
// per management action with its actor, client address and request id; the visibility matrix;
// the filters; the time-driven token notices; and no secret in any event.
#include <gtest/gtest.h>

#include <set>

#include "route_test.h"
#include "service/services.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

class EventsRoute : public RouteTest {
 protected:
  // Every event the admin key sees, newest first (all pages).
  std::vector<object> AllEvents(const std::string& query = {}) {
    std::vector<object> out;
    std::string after;
    for (;;) {
      std::string target = "/v1/events?limit=100" + query;
      if (!after.empty()) target += "&starting_after=" + after;
      Answer a = Get(target, Admin(admin()));
      if (a.status() != 200) throw std::runtime_error("events: " + Describe(a));
      object page = BodyOf(a);
      for (const auto& e : page.at("data").as_array()) out.push_back(e.as_object());
      if (!page.at("has_more").as_bool() || out.empty()) return out;
      after = std::string(out.back().at("id").as_string());
    }
  }
  // The newest event of `type` (throws when there is none).
  object Latest(const std::string& type) {
    for (const object& e : AllEvents("&type=" + type)) return e;
    throw std::runtime_error("no event " + type);
  }
  static std::string AdminPrefix(const std::string& key) { return key.substr(0, 12); }
};

TEST_F(EventsRoute, EveryManagementActionRecordsOneEventWithItsActor) {
  Answer created =
      Post("/v1/accounts", object{{"email", "a@example.com"}, {"credits", 10}}, Admin(admin()));
  ASSERT_TRUE(IsOk(created));
  const std::string account(BodyOf(created).at("id").as_string());
  object e = Latest("account.created");
  EXPECT_TRUE(e.at("id").as_string().starts_with("evt_"));
  EXPECT_EQ(e.at("object"), "event");
  EXPECT_EQ(Str(e.at("account")), account);
  EXPECT_EQ(e.at("livemode"), true);
  EXPECT_EQ(Str(e.at("request_id")), created.request_id);
  EXPECT_EQ(e.at("created").as_int64(), env_.clock().NowUnix());
  EXPECT_EQ(e.at("actor"),
            (object{{"type", "admin_key"}, {"id", AdminPrefix(admin())}, {"ip", "127.0.0.1"}}));
  EXPECT_EQ(Str(e.at("data").at("object").at("id")), account);
  EXPECT_EQ(e.at("data").at("object").at("object"), "account");

  Answer topped =
      Post("/v1/accounts/" + account + "/credits", object{{"amount", 5}}, Admin(admin()));
  ASSERT_TRUE(IsOk(topped));
  e = Latest("credits.topped_up");
  EXPECT_EQ(e.at("data").at("object").at("credits"), 15);
  EXPECT_EQ(e.at("data").at("previous_attributes"), (object{{"credits", 10}}));
  EXPECT_EQ(Str(e.at("request_id")), topped.request_id);

  CreatedKey sk = NewKey(AdminFor(admin(), account));
  e = Latest("token.created");
  EXPECT_EQ(Str(e.at("data").at("object").at("id")), sk.id);
  EXPECT_EQ(e.at("actor").at("type"), "admin_key");
  CreatedKey child = NewKey(ApiKey(sk.key), object{{"name", "child"}});
  e = Latest("token.created");
  EXPECT_EQ(Str(e.at("data").at("object").at("id")), child.id);
  EXPECT_EQ(e.at("actor"), (object{{"type", "token"}, {"id", sk.id}, {"ip", "127.0.0.1"}}));

  Answer rolled = Post("/v1/tokens/" + child.id + "/roll", object{}, ApiKey(sk.key));
  ASSERT_TRUE(IsOk(rolled));
  e = Latest("token.rolled");
  EXPECT_EQ(e.at("data").at("object").at("id"), BodyOf(rolled).at("id"));
  EXPECT_EQ(Str(e.at("data").at("rolled_from")), child.id);
  EXPECT_EQ(Str(e.at("request_id")), rolled.request_id);

  const std::string new_id(BodyOf(rolled).at("id").as_string());
  Answer revoked = Post("/v1/tokens/" + new_id + "/revoke", object{}, AdminFor(admin(), account));
  ASSERT_TRUE(IsOk(revoked));
  e = Latest("token.revoked");
  EXPECT_EQ(e.at("data").at("object").at("status"), "revoked");
  EXPECT_EQ(e.at("data").at("previous_attributes").at("status"), "active");
  EXPECT_TRUE(e.at("data").at("previous_attributes").at("revoked_at").is_null());
  // Revoking again changes nothing and records nothing.
  const size_t before = AllEvents("&type=token.revoked").size();
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + new_id + "/revoke", object{}, AdminFor(admin(), account))));
  EXPECT_EQ(AllEvents("&type=token.revoked").size(), before);

  // An admin key made by the CLI.
  const std::string second_admin = env_.NewAdminKey();
  e = Latest("admin_key.created");
  EXPECT_EQ(e.at("actor"), (object{{"type", "cli"}, {"id", nullptr}, {"ip", nullptr}}));
  EXPECT_TRUE(e.at("account").is_null());
  EXPECT_EQ(Str(e.at("data").at("object").at("key_prefix")), AdminPrefix(second_admin));
}

TEST_F(EventsRoute, SignUpSignInFailedSignInAndAgentDecisionsAreSessionEvents) {
  Answer up = Post("/v1/signup", object{{"email", "p@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(up));
  const std::string account(BodyOf(up).at("account").as_string());
  object e = Latest("account.created");
  EXPECT_EQ(e.at("actor"), (object{{"type", "session"}, {"id", nullptr}, {"ip", "127.0.0.1"}}));
  EXPECT_EQ(Str(e.at("request_id")), up.request_id);
  EXPECT_TRUE(AllEvents("&type=session.created").empty()) << "a sign-up is one event";

  Answer in = Post("/v1/session", object{{"email", "p@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(in));
  e = Latest("session.created");
  EXPECT_EQ(Str(e.at("account")), account);
  EXPECT_EQ(e.at("actor").at("type"), "session");

  Answer bad = Post("/v1/session", object{{"email", "p@example.com"}, {"password", "wrong-one"}});
  ASSERT_EQ(bad.status(), 401);
  e = Latest("session.failed");
  EXPECT_EQ(Str(e.at("account")), account);
  EXPECT_EQ(e.at("data").at("object"), (object{{"email", "p@example.com"}}));
  Answer unknown =
      Post("/v1/session", object{{"email", "nobody@example.com"}, {"password", "whatever1"}});
  ASSERT_EQ(unknown.status(), 401);
  e = Latest("session.failed");
  EXPECT_TRUE(e.at("account").is_null());
  EXPECT_EQ(e.at("data").at("object").at("email"), "nobody@example.com");

  const std::string cookie =
      HeaderOf(in, "Set-Cookie")->substr(0, HeaderOf(in, "Set-Cookie")->find(';'));
  Headers session = {{"Cookie", cookie},
                     {"X-CSRF-Token", std::string(BodyOf(in).at("csrf_token").as_string())}};
  const size_t tokens_created = AllEvents("&type=token.created").size();
  ASSERT_TRUE(IsOk(Post(
      "/v1/agent-auth/approve",
      object{{"token", std::string(64, 'a')}, {"decision", "approve"}, {"client_name", "Test CLI"}},
      session)));
  e = Latest("agent_auth.approved");
  EXPECT_EQ(e.at("data").at("object").at("object"), "token");
  EXPECT_EQ(e.at("data").at("object").at("name"), "Test CLI (agent)");
  EXPECT_EQ(e.at("actor").at("type"), "session");
  EXPECT_EQ(AllEvents("&type=token.created").size(), tokens_created) << "one action, one event";
  ASSERT_TRUE(IsOk(
      Post("/v1/agent-auth/approve",
           object{{"token", std::string(64, 'b')}, {"decision", "deny"}, {"client_name", "Other"}},
           session)));
  e = Latest("agent_auth.denied");
  EXPECT_EQ(Str(e.at("account")), account);
}

TEST_F(EventsRoute, VisibilityMatrix) {
  std::string a, b;
  CreatedKey ka = NewSecretKey(&a);
  CreatedKey kb = NewSecretKey(&b);
  const std::string b_event(AllEvents("&account=" + b).front().at("id").as_string());

  // A secret key sees its own account's events only.
  Answer own = Get("/v1/events?limit=100", ApiKey(ka.key));
  ASSERT_TRUE(IsOk(own));
  const array own_events = BodyOf(own).at("data").as_array();
  for (const auto& e : own_events) EXPECT_EQ(Str(e.at("account")), a);
  EXPECT_FALSE(own_events.empty());
  EXPECT_TRUE(IsError(Get("/v1/events/" + b_event, ApiKey(ka.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsOk(Get("/v1/events/" + b_event, ApiKey(kb.key))));
  EXPECT_TRUE(IsOk(Get("/v1/events/" + b_event, Admin(admin()))));
  EXPECT_TRUE(IsError(Get("/v1/events?account=" + b, ApiKey(ka.key)), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsOk(Get("/v1/events?account=" + a, ApiKey(ka.key))));

  // Restricted keys need events:read; publishable keys never read events.
  CreatedKey no_perm =
      NewKey(ApiKey(ka.key), object{{"type", "restricted"}, {"permissions", array{"tokens:read"}}});
  EXPECT_TRUE(IsError(Get("/v1/events", ApiKey(no_perm.key)), 403, "FORBIDDEN"));
  CreatedKey reader =
      NewKey(ApiKey(ka.key), object{{"type", "restricted"}, {"permissions", array{"events:read"}}});
  EXPECT_TRUE(IsOk(Get("/v1/events", ApiKey(reader.key))));
  CreatedKey pk = NewKey(ApiKey(ka.key), object{{"type", "publishable"}});
  EXPECT_EQ(Get("/v1/events", ApiKey(pk.key)).status(), 403);
  EXPECT_TRUE(IsError(Get("/v1/events"), 401, "UNAUTHORIZED"));
  EXPECT_TRUE(
      IsError(Get("/v1/events/evt_unknown000000000000000000", Admin(admin())), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Get("/v1/events/garbage", Admin(admin())), 404, "NOT_FOUND"));

  // The admin key's ?account= filter.
  for (const object& e : AllEvents("&account=" + b)) EXPECT_EQ(Str(e.at("account")), b);
}

TEST_F(EventsRoute, FiltersAndTheirErrors) {
  std::string account;
  CreatedKey sk = NewSecretKey(&account);
  Revoke(account, sk.id);
  for (const object& e : AllEvents("&type=token.*")) {
    EXPECT_TRUE(e.at("type").as_string().starts_with("token.")) << boost::json::serialize(e);
  }
  EXPECT_EQ(AllEvents("&type=token.*").size(), 2u);
  EXPECT_EQ(AllEvents("&type=token.revoked").size(), 1u);
  const int64_t now = env_.clock().NowUnix();
  EXPECT_EQ(AllEvents("&created[gte]=" + std::to_string(now + 1)).size(), 0u);
  EXPECT_EQ(AllEvents("&created%5Blt%5D=" + std::to_string(now + 1)).size(), AllEvents().size());
  EXPECT_TRUE(
      IsError(Get("/v1/events?type=token.bogus", Admin(admin())), 400, "INVALID_REQUEST", "type"));
  EXPECT_TRUE(IsError(Get("/v1/events?type=*", Admin(admin())), 400, "INVALID_REQUEST", "type"));
  EXPECT_TRUE(IsError(Get("/v1/events?created[gte]=yesterday", Admin(admin())), 400,
                      "INVALID_REQUEST", "created[gte]"));
  EXPECT_TRUE(IsError(Get("/v1/events?limit=0", Admin(admin())), 400, "INVALID_REQUEST", "limit"));
  EXPECT_TRUE(
      IsError(Get("/v1/events?account=nope", Admin(admin())), 400, "INVALID_REQUEST", "account"));
  EXPECT_TRUE(IsError(Get("/v1/events?starting_after=evt_000000000000000000000000", Admin(admin())),
                      400, "INVALID_REQUEST", "starting_after"));
  Answer page = Get("/v1/events?limit=1", Admin(admin()));
  ASSERT_TRUE(IsOk(page));
  EXPECT_EQ(BodyOf(page).at("data").as_array().size(), 1u);
  EXPECT_EQ(BodyOf(page).at("has_more"), true);
}

TEST_F(EventsRoute, ExpiryNoticesAreSystemEventsRecordedOnce) {
  std::string account;
  CreatedKey sk = NewSecretKey(&account);
  const int64_t now = env_.clock().NowUnix();
  CreatedKey soon = NewKey(ApiKey(sk.key), object{{"expires_at", now + 3 * 86400}});
  CreatedKey brief = NewKey(ApiKey(sk.key), object{{"expires_at", now + 30}});
  TokenNotices& notices = env_.services().token_notices();
  auto n = notices.RunOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2) << "both expire within the 7-day notice";
  env_.clock().AdvanceSeconds(31);
  n = notices.RunOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  object e = Latest("token.expired");
  EXPECT_EQ(Str(e.at("data").at("object").at("id")), brief.id);
  EXPECT_EQ(e.at("data").at("object").at("status"), "expired");
  EXPECT_EQ(e.at("actor"), (object{{"type", "system"}, {"id", nullptr}, {"ip", nullptr}}));
  EXPECT_TRUE(e.at("request_id").is_null());
  n = notices.RunOnce();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_EQ(AllEvents("&type=token.expiring").size(), 2u);
}

TEST_F(EventsRoute, NoEventContainsASecret) {
  std::vector<std::string> secrets = {admin(), env_.NewAdminKey(), "password123", "wrong-pass1"};
  std::string account;
  CreatedKey sk = NewSecretKey(&account);
  secrets.push_back(sk.key);
  CreatedKey child =
      NewKey(ApiKey(sk.key), object{{"type", "restricted"}, {"permissions", array{"events:read"}}});
  secrets.push_back(child.key);
  Answer rolled = Post("/v1/tokens/" + child.id + "/roll", object{}, ApiKey(sk.key));
  ASSERT_TRUE(IsOk(rolled));
  secrets.emplace_back(BodyOf(rolled).at("key").as_string());
  Answer minted = Post("/v1/token", object{{"expiry_minutes", 5}}, ApiKey(sk.key));
  ASSERT_TRUE(IsOk(minted));
  secrets.emplace_back(BodyOf(minted).at("access_token").as_string());
  Answer up = Post("/v1/signup", object{{"email", "s@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(up));
  const std::string cookie = *HeaderOf(up, "Set-Cookie");
  secrets.push_back(cookie.substr(16, cookie.find(';') - 16));
  secrets.emplace_back(BodyOf(up).at("csrf_token").as_string());
  ASSERT_EQ(
      Post("/v1/session", object{{"email", "s@example.com"}, {"password", "wrong-pass1"}}).status(),
      401);
  Answer in = Post("/v1/session", object{{"email", "s@example.com"}, {"password", "password123"}});
  ASSERT_TRUE(IsOk(in));
  const std::string cookie2 = *HeaderOf(in, "Set-Cookie");
  secrets.push_back(cookie2.substr(16, cookie2.find(';') - 16));
  Revoke(account, sk.id);

  const std::vector<object> events = AllEvents();
  EXPECT_GE(events.size(), 9u);
  for (const object& e : events) {
    const std::string text = boost::json::serialize(e);
    for (const std::string& secret : secrets) {
      ASSERT_FALSE(secret.empty());
      EXPECT_EQ(text.find(secret), std::string::npos) << e.at("type") << " contains a secret";
    }
    EXPECT_EQ(text.find("argon2"), std::string::npos) << "no password hash";
  }
}

}  // namespace
}  // namespace keyward::api_test

namespace keyward::api_test {
namespace {

// Runtime control (API.md 11) records its events (API.md 13) in the change's transaction:
// token.updated with previous_attributes, token.disabled/enabled, account.updated/disabled/enabled;
// a repeat that changes nothing records nothing.
TEST_F(EventsRoute, RuntimeControlRecordsItsEvents) {
  std::string account;
  CreatedKey sk = NewSecretKey(&account);
  const Headers as_admin = AdminFor(admin(), account);

  Answer updated = Post("/v1/tokens/" + sk.id,
                        object{{"name", "renamed"}, {"metadata", object{{"k", "v"}}}}, as_admin);
  ASSERT_TRUE(IsOk(updated)) << Describe(updated);
  object e = Latest("token.updated");
  EXPECT_EQ(Str(e.at("data").at("object").at("id")), sk.id);
  EXPECT_EQ(e.at("data").at("object").at("name"), "renamed");
  EXPECT_EQ(e.at("data").at("previous_attributes").at("metadata"), object{});
  EXPECT_TRUE(e.at("data").at("previous_attributes").as_object().contains("name"));
  EXPECT_EQ(Str(e.at("request_id")), updated.request_id);
  EXPECT_EQ(e.at("actor").at("type"), "admin_key");
  // The same update again changes nothing: no second event.
  const size_t updates = AllEvents("&type=token.updated").size();
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + sk.id,
                        object{{"name", "renamed"}, {"metadata", object{{"k", "v"}}}}, as_admin)));
  EXPECT_EQ(AllEvents("&type=token.updated").size(), updates);

  CreatedKey other = NewKey(as_admin, object{{"name", "other"}});
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + other.id + "/disable", object{}, as_admin)));
  e = Latest("token.disabled");
  EXPECT_EQ(e.at("data").at("object").at("status"), "disabled");
  EXPECT_EQ(e.at("data").at("previous_attributes").at("status"), "active");
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + other.id + "/disable", object{}, as_admin)));
  EXPECT_EQ(AllEvents("&type=token.disabled").size(), 1u);
  ASSERT_TRUE(IsOk(Post("/v1/tokens/" + other.id + "/enable", object{}, as_admin)));
  e = Latest("token.enabled");
  EXPECT_EQ(e.at("data").at("object").at("status"), "active");
  EXPECT_EQ(e.at("data").at("previous_attributes").at("status"), "disabled");

  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + account, object{{"name", "Acme"}}, Admin(admin()))));
  e = Latest("account.updated");
  EXPECT_EQ(Str(e.at("account")), account);
  EXPECT_EQ(e.at("data").at("object").at("name"), "Acme");
  EXPECT_TRUE(e.at("data").at("previous_attributes").as_object().contains("name"));
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + account + "/disable", object{}, Admin(admin()))));
  e = Latest("account.disabled");
  EXPECT_EQ(e.at("data").at("object").at("status"), "disabled");
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + account + "/disable", object{}, Admin(admin()))));
  EXPECT_EQ(AllEvents("&type=account.disabled").size(), 1u);
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + account + "/enable", object{}, Admin(admin()))));
  e = Latest("account.enabled");
  EXPECT_EQ(e.at("data").at("object").at("status"), "active");
}

}  // namespace
}  // namespace keyward::api_test
