// /v1/plans — plans as stored objects (API.md 11.2, 11.5); admin keys only (the checkpoint refused
// everyone else). A plan is named, not numbered: :id is its name, and the list pages by name.
#include <algorithm>

#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"
#include "service/objects.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

// An error of a nested object's field, named from the top: "amount" → "refill.amount".
Error Nested(const Error& e, std::string_view parent) {
  const std::string prefix = std::string(parent) + ".";
  if (e.param().empty()) return InvalidRequest(e.message(), std::string(parent));
  std::string message = e.message();
  if (message.starts_with(e.param())) message = prefix + message;
  return InvalidRequest(std::move(message), prefix + e.param());
}

Result<std::optional<PlanRefill>> ReadRefill(const JsonBody& body) {
  auto refill = body.Object("refill");
  if (!refill.ok()) return refill.error();
  if (!refill->value) return std::optional<PlanRefill>();
  const JsonBody& r = *refill->value;
  if (Status st = r.OnlyFields({"amount", "interval", "mode"}); !st.ok()) {
    return Nested(st.error(), "refill");
  }
  PlanRefill out;
  auto amount = r.Int("amount");
  if (!amount.ok()) return Nested(amount.error(), "refill");
  if (!amount->value) {
    return InvalidRequest("Missing required field: refill.amount.", "refill.amount");
  }
  out.amount = *amount->value;
  auto interval = r.String("interval");
  if (!interval.ok()) return Nested(interval.error(), "refill");
  if (!interval->value) {
    return InvalidRequest("Missing required field: refill.interval.", "refill.interval");
  }
  out.interval = *interval->value;
  auto mode = r.String("mode");
  if (!mode.ok()) return Nested(mode.error(), "refill");
  out.mode = mode->value.value_or("set");
  if (Status st = CheckRefill(out, "refill"); !st.ok()) return st.error();
  return std::optional<PlanRefill>(std::move(out));
}

// The fields of a create (with `name`) or an update.
Result<PlanParams> ReadPlan(const HttpRequest& req, bool create) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/!create);
  if (!body.ok()) return body.error();
  Status only = create ? body->OnlyFields({"name", "rate_limit", "account_rate_limit", "refill",
                                           "low_credits_threshold"})
                       : body->OnlyFields({"rate_limit", "account_rate_limit", "refill",
                                           "low_credits_threshold"});
  if (!only.ok()) return only.error();
  PlanParams params;
  if (create) {
    auto name = body->RequiredString("name");
    if (!name.ok()) return name.error();
    params.name = std::move(*name);
  }
  auto rate_limit = body->String("rate_limit");
  if (!rate_limit.ok()) return rate_limit.error();
  params.set_rate_limit = rate_limit->present;
  params.rate_limit = rate_limit->value;
  auto account_rate_limit = body->String("account_rate_limit");
  if (!account_rate_limit.ok()) return account_rate_limit.error();
  params.set_account_rate_limit = account_rate_limit->present;
  params.account_rate_limit = account_rate_limit->value;
  auto refill = ReadRefill(*body);
  if (!refill.ok()) return refill.error();
  auto refill_field = body->Object("refill");
  params.set_refill = refill_field.ok() && refill_field->present;
  params.refill = std::move(*refill);
  auto threshold = body->Int("low_credits_threshold");
  if (!threshold.ok()) return threshold.error();
  params.set_low_credits_threshold = threshold->present;
  params.low_credits_threshold = threshold->value;
  return params;
}

}  // namespace

HttpResponse HandleListPlans(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                             const PathParams&) {
  Query query(req.query);
  auto opts = ParseListOptions(query);
  if (!opts.ok()) return Fail(opts.error(), req);
  auto plans = ctx.plans.List();
  if (!plans.ok()) return Fail(plans.error(), req);
  size_t first = 0;
  if (!opts->starting_after.empty()) {
    auto it = std::find_if(plans->begin(), plans->end(),
                           [&](const PlanRow& plan) { return plan.name == opts->starting_after; });
    if (it == plans->end()) {
      return Fail(InvalidRequest("starting_after is not a plan name.", "starting_after"), req);
    }
    first = static_cast<size_t>(it - plans->begin()) + 1;
  }
  boost::json::array data;
  size_t i = first;
  for (; i < plans->size() && data.size() < static_cast<size_t>(opts->limit); ++i) {
    data.emplace_back(PlanObject((*plans)[i]));
  }
  return JsonResponse(ListJson(std::move(data), i < plans->size()));
}

HttpResponse HandleGetPlan(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                           const PathParams& p) {
  auto plan = ctx.plans.Get(p.id);
  if (!plan.ok()) return Fail(plan.error(), req);
  return JsonResponse(ToJson(PlanObject(*plan)));
}

HttpResponse HandleCreatePlan(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams&) {
  auto params = ReadPlan(req, /*create=*/true);
  if (!params.ok()) return Fail(params.error(), req);
  auto plan = ctx.plans.Create(caller.principal, *params);
  if (!plan.ok()) return Fail(plan.error(), req);
  return JsonResponse(ToJson(PlanObject(*plan)));
}

HttpResponse HandleUpdatePlan(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p) {
  auto params = ReadPlan(req, /*create=*/false);
  if (!params.ok()) return Fail(params.error(), req);
  auto plan = ctx.plans.Update(caller.principal, p.id, *params);
  if (!plan.ok()) return Fail(plan.error(), req);
  return JsonResponse(ToJson(PlanObject(*plan)));
}

}  // namespace keyward
