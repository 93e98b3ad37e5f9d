// /v1/accounts — admin keys only (API.md 7).
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

// Admin caller or the refusing response.
std::optional<HttpResponse> RequireAdmin(Api& api, const HttpRequest& req) {
  auto who = AuthenticateManagement(api, req, /*admin_only=*/true);
  if (auto* refused = std::get_if<HttpResponse>(&who)) return std::move(*refused);
  return std::nullopt;
}

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

}  // namespace

HttpResponse HandleCreateAccount(Api& api, const HttpRequest& req, const PathParams&) {
  if (auto refused = RequireAdmin(api, req)) return std::move(*refused);
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"email", "name", "credits", "plan", "password"}); !st.ok()) {
    return Fail(st.error(), req);
  }
  CreateAccountParams params;
  auto email = body->RequiredString("email");
  if (!email.ok()) return Fail(email.error(), req);
  params.email = std::move(*email);
  auto name = body->String("name");
  if (!name.ok()) return Fail(name.error(), req);
  params.name = name->value.value_or("");
  auto credits = body->Int("credits");
  if (!credits.ok()) return Fail(credits.error(), req);
  params.credits = credits->value;
  auto plan = body->String("plan");
  if (!plan.ok()) return Fail(plan.error(), req);
  if (plan->value) params.plan = *plan->value;
  auto password = body->String("password");
  if (!password.ok()) return Fail(password.error(), req);
  params.password = password->value.value_or("");

  auto account = api.services().accounts().Create(params);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

HttpResponse HandleListAccounts(Api& api, const HttpRequest& req, const PathParams&) {
  if (auto refused = RequireAdmin(api, req)) return std::move(*refused);
  auto opts = ParseListOptions(Query(req.query));
  if (!opts.ok()) return Fail(opts.error(), req);
  auto page = api.services().accounts().List(*opts);
  if (!page.ok()) return Fail(page.error(), req);
  boost::json::array data;
  for (const AccountRow& row : page->items) data.emplace_back(AccountObject(row));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetAccount(Api& api, const HttpRequest& req, const PathParams& p) {
  if (auto refused = RequireAdmin(api, req)) return std::move(*refused);
  auto account = api.services().accounts().Get(p.id);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

HttpResponse HandleAddCredits(Api& api, const HttpRequest& req, const PathParams& p) {
  if (auto refused = RequireAdmin(api, req)) return std::move(*refused);
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"amount"}); !st.ok()) return Fail(st.error(), req);
  auto amount = body->Int("amount");
  if (!amount.ok()) return Fail(amount.error(), req);
  if (!amount->value) {
    return Fail(InvalidRequest("Missing required field: amount.", "amount"), req);
  }
  auto account = api.services().accounts().AddCredits(p.id, *amount->value);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

}  // namespace keyward
