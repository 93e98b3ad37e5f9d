// Plans as stored objects (API.md 11.2, 11.5), in process: GET/POST /v1/plans and
// /v1/plans/:name — admin keys only, the configuration's plans managed by the file, validation
// (400 with param, nothing changed), a plan change applying at once to the accounts on it, the
// plan.* events — and credit refills (once per account and period; mid-period accounts wait;
// `add` on an unlimited balance changes nothing) with their credits.refilled events.
#include <gtest/gtest.h>

#include "route_test.h"
#include "service/services.h"

namespace keyward::api_test {
namespace {

using boost::json::array;
using boost::json::object;

EnvOptions WithConfigPlans() {
  EnvOptions o;
  o.service.plans["gold"] = RateSpec{1000, 60};
  o.service.plan_account_limits["gold"] = RateSpec{3000, 60};
  o.service.plan_extras["gold"].low_credits_threshold = 50;
  return o;
}

class PlansRoute : public RouteTest {
 protected:
  explicit PlansRoute(EnvOptions options = WithConfigPlans()) : RouteTest(std::move(options)) {}
  Answer Create(const object& body) { return Post("/v1/plans", body, Admin(admin())); }
  Answer Update(const std::string& name, const object& body) {
    return Post("/v1/plans/" + name, body, Admin(admin()));
  }
  object Plan(const std::string& name) {
    Answer a = Get("/v1/plans/" + name, Admin(admin()));
    if (a.status() != 200) throw std::runtime_error("Plan: " + Describe(a));
    return BodyOf(a);
  }
  array Plans() {
    Answer a = Get("/v1/plans?limit=100", Admin(admin()));
    if (a.status() != 200) throw std::runtime_error("Plans: " + Describe(a));
    return BodyOf(a).at("data").as_array();
  }
  std::vector<object> Events(const std::string& type) {
    Answer a = Get("/v1/events?limit=100&type=" + type, Admin(admin()));
    if (a.status() != 200) throw std::runtime_error("events: " + Describe(a));
    const object body = BodyOf(a);  // a named body: the loop must not outlive a temporary
    std::vector<object> out;
    for (const auto& e : body.at("data").as_array()) out.push_back(e.as_object());
    return out;
  }
  object AccountObject(const std::string& id) {
    Answer a = Get("/v1/accounts/" + id, Admin(admin()));
    if (a.status() != 200) throw std::runtime_error("account: " + Describe(a));
    return BodyOf(a);
  }
  int64_t RunRefills() {
    auto n = env_.services().refills().RunOnce();
    if (!n.ok()) throw std::runtime_error("refills: " + n.error().message());
    return *n;
  }
};

TEST_F(PlansRoute, ConfigurationPlansAreListedAsManagedByConfig) {
  object gold = Plan("gold");
  EXPECT_EQ(gold.at("object"), "plan");
  EXPECT_EQ(gold.at("name"), "gold");
  EXPECT_EQ(gold.at("rate_limit"), "1000/min");
  EXPECT_EQ(gold.at("account_rate_limit"), "3000/min");
  EXPECT_TRUE(gold.at("refill").is_null());
  EXPECT_EQ(gold.at("low_credits_threshold"), 50);
  EXPECT_EQ(gold.at("managed_by"), "config");
  EXPECT_TRUE(gold.at("created").is_int64());
  EXPECT_FALSE(gold.contains("id"));
  EXPECT_EQ(Plan("default").at("rate_limit"), "150/min");
  EXPECT_EQ(Plans().size(), 2u);
  EXPECT_EQ(Events("plan.created").size(), 2u);  // recorded once, by the system
  EXPECT_EQ(Events("plan.created")[0].at("actor").at("type"), "system");
}

TEST_F(PlansRoute, Create200ThenGetAndList) {
  env_.clock().AdvanceSeconds(1);  // after the configuration's plans
  Answer a =
      Create(object{{"name", "pro"},
                    {"rate_limit", "1000/minute"},
                    {"account_rate_limit", "3000/min"},
                    {"refill", object{{"amount", 10000}, {"interval", "month"}, {"mode", "set"}}},
                    {"low_credits_threshold", 500}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object pro = BodyOf(a);
  EXPECT_EQ(pro,
            (object{{"object", "plan"},
                    {"name", "pro"},
                    {"rate_limit", "1000/min"},
                    {"account_rate_limit", "3000/min"},
                    {"refill", object{{"amount", 10000}, {"interval", "month"}, {"mode", "set"}}},
                    {"low_credits_threshold", 500},
                    {"managed_by", "api"},
                    {"created", env_.clock().NowUnix()}}));
  EXPECT_EQ(Plan("pro"), pro);
  env_.clock().AdvanceSeconds(1);
  ASSERT_TRUE(IsOk(Create(object{{"name", "lite"}, {"rate_limit", "10/min"}})));
  object lite = Plan("lite");
  EXPECT_TRUE(lite.at("account_rate_limit").is_null());
  EXPECT_TRUE(lite.at("refill").is_null());
  EXPECT_TRUE(lite.at("low_credits_threshold").is_null());
  array all = Plans();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].at("name"), "lite");  // newest first
  EXPECT_EQ(all[1].at("name"), "pro");
  // Pages by name.
  Answer page = Get("/v1/plans?limit=1&starting_after=lite", Admin(admin()));
  ASSERT_TRUE(IsOk(page));
  EXPECT_EQ(BodyOf(page).at("data").as_array()[0].at("name"), "pro");
  EXPECT_TRUE(BodyOf(page).at("has_more").as_bool());
  EXPECT_TRUE(IsError(Get("/v1/plans?starting_after=nope", Admin(admin())), 400, "INVALID_REQUEST",
                      "starting_after"));
  // The event.
  std::vector<object> created = Events("plan.created");
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created[0].at("data").at("object"), lite);
  EXPECT_EQ(created[0].at("actor").at("type"), "admin_key");
  EXPECT_TRUE(created[0].at("account").is_null());
  // A refill's mode defaults to "set".
  ASSERT_TRUE(IsOk(Create(object{{"name", "m"},
                                 {"rate_limit", "1/s"},
                                 {"refill", object{{"amount", 5}, {"interval", "day"}}}})));
  EXPECT_EQ(Plan("m").at("refill").at("mode"), "set");
}

TEST_F(PlansRoute, Create400BadInputCreatesNothing) {
  const size_t before = Plans().size();
  const object ok{{"name", "pro"}, {"rate_limit", "10/min"}};
  auto with = [&](const char* field, boost::json::value v) {
    object body = ok;
    body[field] = std::move(v);
    return Create(body);
  };
  EXPECT_TRUE(IsError(with("name", "Pro"), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(with("name", ""), 400, "INVALID_REQUEST", "name"));
  const std::string long_name(41, 'a');
  EXPECT_TRUE(IsError(with("name", long_name.c_str()), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(with("name", "a b"), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(with("name", 5), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(Create(object{{"name", "pro"}}), 400, "INVALID_REQUEST", "rate_limit"));
  EXPECT_TRUE(IsError(Create(object{{"rate_limit", "1/s"}}), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(with("rate_limit", "fast"), 400, "INVALID_REQUEST", "rate_limit"));
  EXPECT_TRUE(IsError(with("rate_limit", nullptr), 400, "INVALID_REQUEST", "rate_limit"));
  EXPECT_TRUE(
      IsError(with("account_rate_limit", "x/min"), 400, "INVALID_REQUEST", "account_rate_limit"));
  EXPECT_TRUE(IsError(with("refill", "monthly"), 400, "INVALID_REQUEST", "refill"));
  EXPECT_TRUE(IsError(with("refill", object{{"amount", 5}, {"interval", "week"}}), 400,
                      "INVALID_REQUEST", "refill.interval"));
  EXPECT_TRUE(IsError(with("refill", object{{"amount", -1}, {"interval", "day"}}), 400,
                      "INVALID_REQUEST", "refill.amount"));
  EXPECT_TRUE(IsError(with("refill", object{{"interval", "day"}}), 400, "INVALID_REQUEST",
                      "refill.amount"));
  EXPECT_TRUE(IsError(with("refill", object{{"amount", 1}, {"interval", "day"}, {"mode", "x"}}),
                      400, "INVALID_REQUEST", "refill.mode"));
  EXPECT_TRUE(IsError(with("refill", object{{"amount", 1}, {"interval", "day"}, {"every", 2}}), 400,
                      "INVALID_REQUEST", "refill.every"));
  EXPECT_TRUE(
      IsError(with("low_credits_threshold", -5), 400, "INVALID_REQUEST", "low_credits_threshold"));
  EXPECT_TRUE(
      IsError(with("low_credits_threshold", "5"), 400, "INVALID_REQUEST", "low_credits_threshold"));
  EXPECT_TRUE(IsError(with("managed_by", "config"), 400, "INVALID_REQUEST", "managed_by"));
  EXPECT_TRUE(IsError(PostRaw("/v1/plans", "{", Admin(admin())), 400, "INVALID_REQUEST"));
  EXPECT_EQ(Plans().size(), before);
  // A duplicate name, the configuration's included.
  ASSERT_TRUE(IsOk(Create(ok)));
  EXPECT_TRUE(IsError(Create(ok), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(Create(object{{"name", "gold"}, {"rate_limit", "1/s"}}), 400,
                      "INVALID_REQUEST", "name"));
  EXPECT_EQ(Plans().size(), before + 1);
}

TEST_F(PlansRoute, UpdateChangesWhatIsGivenAndRecordsPlanUpdated) {
  ASSERT_TRUE(IsOk(Create(object{{"name", "pro"},
                                 {"rate_limit", "10/min"},
                                 {"account_rate_limit", "20/min"},
                                 {"low_credits_threshold", 5}})));
  Answer a = Update(
      "pro", object{{"rate_limit", "20/min"},
                    {"account_rate_limit", nullptr},
                    {"refill", object{{"amount", 7}, {"interval", "hour"}, {"mode", "add"}}}});
  ASSERT_TRUE(IsOk(a)) << Describe(a);
  object pro = BodyOf(a);
  EXPECT_EQ(pro.at("rate_limit"), "20/min");
  EXPECT_TRUE(pro.at("account_rate_limit").is_null());
  EXPECT_EQ(pro.at("refill"), (object{{"amount", 7}, {"interval", "hour"}, {"mode", "add"}}));
  EXPECT_EQ(pro.at("low_credits_threshold"), 5);  // not given: kept
  EXPECT_EQ(Plan("pro"), pro);
  std::vector<object> updated = Events("plan.updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].at("data").at("object"), pro);
  EXPECT_EQ(updated[0].at("data").at("previous_attributes").at("rate_limit"), "10/min");
  // Nothing changes: no event.
  ASSERT_TRUE(IsOk(Update("pro", object{{"rate_limit", "20/min"}})));
  EXPECT_EQ(Events("plan.updated").size(), 1u);
  ASSERT_TRUE(IsOk(Update("pro", object{{"refill", nullptr}, {"low_credits_threshold", nullptr}})));
  EXPECT_TRUE(Plan("pro").at("refill").is_null());
  EXPECT_TRUE(Plan("pro").at("low_credits_threshold").is_null());
}

TEST_F(PlansRoute, Update400BadInputChangesNothingAnd404ForUnknown) {
  ASSERT_TRUE(IsOk(Create(object{{"name", "pro"}, {"rate_limit", "10/min"}})));
  const object before = Plan("pro");
  EXPECT_TRUE(
      IsError(Update("pro", object{{"rate_limit", "soon"}}), 400, "INVALID_REQUEST", "rate_limit"));
  EXPECT_TRUE(IsError(Update("pro", object{{"rate_limit", nullptr}}), 400, "INVALID_REQUEST",
                      "rate_limit"));
  EXPECT_TRUE(IsError(Update("pro", object{{"name", "other"}}), 400, "INVALID_REQUEST", "name"));
  EXPECT_TRUE(IsError(Update("pro", object{{"refill", object{{"amount", 1}}}}), 400,
                      "INVALID_REQUEST", "refill.interval"));
  EXPECT_EQ(Plan("pro"), before);
  EXPECT_TRUE(IsError(Update("nope", object{{"rate_limit", "1/s"}}), 404, "NOT_FOUND"));
  EXPECT_TRUE(IsError(Get("/v1/plans/nope", Admin(admin())), 404, "NOT_FOUND"));
}

TEST_F(PlansRoute, TheApiRefusesToChangeAConfigurationPlan) {
  const object before = Plan("gold");
  Answer a = Update("gold", object{{"rate_limit", "1/s"}});
  ASSERT_TRUE(IsError(a, 400, "INVALID_REQUEST"));
  EXPECT_NE(std::string(BodyOf(a).at("error").at("message").as_string()).find("configuration"),
            std::string::npos);
  EXPECT_TRUE(IsError(Update("default", object{{"rate_limit", "1/s"}}), 400, "INVALID_REQUEST"));
  EXPECT_EQ(Plan("gold"), before);
}

TEST_F(PlansRoute, OnlyAdminKeysSeeOrChangePlans) {
  std::string account;
  CreatedKey key = NewSecretKey(&account);
  EXPECT_TRUE(IsError(Get("/v1/plans", ApiKey(key.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/plans/gold", ApiKey(key.key)), 403, "FORBIDDEN"));
  EXPECT_TRUE(
      IsError(Post("/v1/plans", object{{"name", "x"}, {"rate_limit", "1/s"}}, ApiKey(key.key)), 403,
              "FORBIDDEN"));
  EXPECT_TRUE(IsError(Post("/v1/plans/gold", object{{"rate_limit", "1/s"}}, ApiKey(key.key)), 403,
                      "FORBIDDEN"));
  EXPECT_TRUE(IsError(Get("/v1/plans"), 401, "UNAUTHORIZED"));
  EXPECT_EQ(Plans().size(), 2u);
}

TEST_F(PlansRoute, APlanChangeAppliesAtOnceToTheAccountsOnIt) {
  ASSERT_TRUE(IsOk(Create(object{{"name", "tiny"}, {"rate_limit", "2/min"}})));
  std::string account = NewAccount(object{{"plan", "tiny"}});
  CreatedKey key = NewKey(AdminFor(admin(), account));
  Answer first = Get("/v1/auth/x", ApiKey(key.key));
  ASSERT_EQ(first.status(), 200) << Describe(first);
  EXPECT_EQ(HeaderOf(first, "X-RateLimit-Limit"), "2");
  ASSERT_EQ(Get("/v1/auth/x", ApiKey(key.key)).status(), 200);
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 429, "RATE_LIMITED"));
  ASSERT_TRUE(IsOk(Update("tiny", object{{"rate_limit", "50/min"}})));
  // The old bucket holds a minute of debt at the old pace; a minute later the new pace applies.
  env_.clock().AdvanceSeconds(60);
  Answer after = Get("/v1/auth/x", ApiKey(key.key));
  ASSERT_EQ(after.status(), 200) << Describe(after);
  EXPECT_EQ(HeaderOf(after, "X-RateLimit-Limit"), "50");
  // And an account limit added to the plan.
  ASSERT_TRUE(IsOk(Update("tiny", object{{"account_rate_limit", "3/min"}})));
  Answer shared = Get("/v1/auth/x", ApiKey(key.key));
  EXPECT_EQ(HeaderOf(shared, "X-RateLimit-Limit"), "3");
  // Accounts may be put on an API-made plan; an unknown one is refused.
  std::string other = NewAccount();
  ASSERT_TRUE(IsOk(Post("/v1/accounts/" + other, object{{"plan", "tiny"}}, Admin(admin()))));
  EXPECT_TRUE(IsError(
      Post("/v1/accounts", object{{"email", "a@b.example"}, {"plan", "nope"}}, Admin(admin())), 400,
      "INVALID_REQUEST", "plan"));
}

TEST_F(PlansRoute, ARefillHappensOncePerPeriodAndMidPeriodAccountsWait) {
  env_.clock().SetUnix(1'700'000'000 / 60 * 60 + 10);  // 10 s into a minute
  ASSERT_TRUE(IsOk(Create(object{{"name", "metered"},
                                 {"rate_limit", "100/min"},
                                 {"refill", object{{"amount", 100}, {"interval", "minute"}}}})));
  std::string account = NewAccount(object{{"plan", "metered"}, {"credits", 3}});
  EXPECT_EQ(RunRefills(), 0);  // created in this minute: waits for the next
  EXPECT_EQ(AccountObject(account).at("credits"), 3);
  env_.clock().AdvanceSeconds(55);  // the next minute
  EXPECT_EQ(RunRefills(), 1);
  EXPECT_EQ(AccountObject(account).at("credits"), 100);
  EXPECT_EQ(RunRefills(), 0);  // once per period
  std::vector<object> refilled = Events("credits.refilled");
  ASSERT_EQ(refilled.size(), 1u);
  EXPECT_EQ(Str(refilled[0].at("account")), account);
  EXPECT_EQ(refilled[0].at("actor").at("type"), "system");
  EXPECT_TRUE(refilled[0].at("actor").at("id").is_null());
  EXPECT_EQ(refilled[0].at("data").at("object").at("credits"), 100);
  EXPECT_EQ(refilled[0].at("data").at("previous_attributes").at("credits"), 3);
  // The live balance the requests are charged from follows.
  Answer credits = Get("/v1/credits", AdminFor(admin(), account));
  ASSERT_TRUE(IsOk(credits)) << Describe(credits);
  EXPECT_EQ(BodyOf(credits).at("balance"), 100);
  // Several boundaries missed: one refill, for the current period.
  env_.clock().AdvanceSeconds(600);
  EXPECT_EQ(RunRefills(), 1);
  EXPECT_EQ(Events("credits.refilled").size(), 2u);
}

TEST_F(PlansRoute, AddRefillsAddAndLeaveUnlimitedBalancesAlone) {
  env_.clock().SetUnix(1'700'000'000 / 3600 * 3600 + 100);
  ASSERT_TRUE(IsOk(
      Create(object{{"name", "topup"},
                    {"rate_limit", "100/min"},
                    {"refill", object{{"amount", 10}, {"interval", "hour"}, {"mode", "add"}}}})));
  std::string limited = NewAccount(object{{"plan", "topup"}, {"credits", 5}});
  std::string unlimited = NewAccount(object{{"plan", "topup"}});
  env_.clock().AdvanceSeconds(3600);
  EXPECT_EQ(RunRefills(), 2);
  EXPECT_EQ(AccountObject(limited).at("credits"), 15);
  EXPECT_TRUE(AccountObject(unlimited).at("credits").is_null());
  std::vector<object> refilled = Events("credits.refilled");
  ASSERT_EQ(refilled.size(), 1u);  // nothing changed for the unlimited one: no event
  EXPECT_EQ(Str(refilled[0].at("account")), limited);
}

EnvOptions Metered() {
  EnvOptions o;
  o.service.default_cost = 1;                     // every verified request costs one credit
  o.service.usage_flush_interval_ms = 3'600'000;  // the test flushes
  return o;
}

// credits.low, credits.exhausted and ratelimit.exceeded (API.md 13, 11.5): recorded by the usage
// flush after the request, once per crossing, re-armed by the balance.
class CrossingEventsRoute : public PlansRoute {
 protected:
  CrossingEventsRoute() : PlansRoute(Metered()) {}
  void Flush() { ASSERT_TRUE(env_.services().usage().Flush().ok()); }
  void Spend(const std::string& key, int n) {
    for (int i = 0; i < n; ++i) ASSERT_EQ(Get("/v1/auth/x", ApiKey(key)).status(), 200);
  }
};

TEST_F(CrossingEventsRoute, LowAndExhaustedAreRecordedOncePerCrossing) {
  ASSERT_TRUE(IsOk(
      Create(object{{"name", "low"}, {"rate_limit", "1000/min"}, {"low_credits_threshold", 5}})));
  std::string account = NewAccount(object{{"plan", "low"}, {"credits", 7}});
  CreatedKey key = NewKey(AdminFor(admin(), account));
  Spend(key.key, 2);  // 5: not below the threshold
  Flush();
  EXPECT_TRUE(Events("credits.low").empty());
  Spend(key.key, 1);  // 4
  Flush();
  std::vector<object> low = Events("credits.low");
  ASSERT_EQ(low.size(), 1u);
  EXPECT_EQ(Str(low[0].at("account")), account);
  EXPECT_EQ(low[0].at("actor").at("type"), "system");
  EXPECT_TRUE(low[0].at("actor").at("id").is_null());
  EXPECT_EQ(low[0].at("data").at("object").at("credits"), 4);
  Spend(key.key, 1);  // 3: the same crossing
  Flush();
  EXPECT_EQ(Events("credits.low").size(), 1u);
  // A top-up re-arms; the next crossing is recorded again.
  ASSERT_TRUE(
      IsOk(Post("/v1/accounts/" + account + "/credits", object{{"amount", 10}}, Admin(admin()))));
  Spend(key.key, 8);  // 5
  Flush();
  EXPECT_EQ(Events("credits.low").size(), 1u);
  Spend(key.key, 5);  // 0
  Flush();
  EXPECT_EQ(Events("credits.low").size(), 2u);
  std::vector<object> exhausted = Events("credits.exhausted");
  ASSERT_EQ(exhausted.size(), 1u);
  EXPECT_EQ(exhausted[0].at("data").at("object").at("credits"), 0);
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 403, "QUOTA_EXCEEDED"));
  Flush();
  EXPECT_EQ(Events("credits.exhausted").size(), 1u);
  // Above 0 again re-arms exhausted.
  ASSERT_TRUE(
      IsOk(Post("/v1/accounts/" + account + "/credits", object{{"amount", 1}}, Admin(admin()))));
  Spend(key.key, 1);
  Flush();
  EXPECT_EQ(Events("credits.exhausted").size(), 2u);
}

TEST_F(CrossingEventsRoute, RateLimitExceededIsRecordedOncePerKeyAndMinute) {
  ASSERT_TRUE(IsOk(Create(object{{"name", "tiny"}, {"rate_limit", "2/min"}})));
  std::string account = NewAccount(object{{"plan", "tiny"}});
  CreatedKey key = NewKey(AdminFor(admin(), account));
  Spend(key.key, 2);
  Flush();
  EXPECT_TRUE(Events("ratelimit.exceeded").empty());
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 429, "RATE_LIMITED"));
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 429, "RATE_LIMITED"));
  Flush();
  std::vector<object> exceeded = Events("ratelimit.exceeded");
  ASSERT_EQ(exceeded.size(), 1u);
  EXPECT_EQ(Str(exceeded[0].at("account")), account);
  EXPECT_EQ(exceeded[0].at("actor").at("type"), "system");
  EXPECT_EQ(Str(exceeded[0].at("data").at("object").at("id")), key.id);
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 429, "RATE_LIMITED"));
  Flush();
  EXPECT_EQ(Events("ratelimit.exceeded").size(), 1u);  // at most one a minute
  env_.clock().AdvanceSeconds(60);
  Spend(key.key, 2);
  EXPECT_TRUE(IsError(Get("/v1/auth/x", ApiKey(key.key)), 429, "RATE_LIMITED"));
  Flush();
  EXPECT_EQ(Events("ratelimit.exceeded").size(), 2u);
}

}  // namespace
}  // namespace keyward::api_test
