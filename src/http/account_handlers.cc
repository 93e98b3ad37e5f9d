// /v1/accounts — admin keys only (API.md 7); the checkpoint refused everyone else.
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/query.h"
#include "http/render.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

Result<CreateAccountParams> ReadCreateAccount(const HttpRequest& req) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return body.error();
  if (Status st = body->OnlyFields({"email", "name", "credits", "plan", "password"}); !st.ok()) {
    return st.error();
  }
  CreateAccountParams params;
  auto email = body->RequiredString("email");
  if (!email.ok()) return email.error();
  params.email = std::move(*email);
  auto name = body->String("name");
  if (!name.ok()) return name.error();
  params.name = name->value.value_or("");
  auto credits = body->Int("credits");
  if (!credits.ok()) return credits.error();
  params.credits = credits->value;
  auto plan = body->String("plan");
  if (!plan.ok()) return plan.error();
  if (plan->value) params.plan = *plan->value;
  auto password = body->String("password");
  if (!password.ok()) return password.error();
  params.password = password->value.value_or("");
  return params;
}

}  // namespace

HttpResponse HandleCreateAccount(const HandlerContext& ctx, const Caller& caller,
                                 const HttpRequest& req, const PathParams&) {
  auto params = ReadCreateAccount(req);
  if (!params.ok()) return Fail(params.error(), req);
  auto account = ctx.accounts.Create(caller.principal, *params);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

HttpResponse HandleListAccounts(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                                const PathParams&) {
  auto opts = ParseListOptions(Query(req.query));
  if (!opts.ok()) return Fail(opts.error(), req);
  auto page = ctx.accounts.List(*opts);
  if (!page.ok()) return Fail(page.error(), req);
  boost::json::array data;
  for (const AccountRow& row : page->items) data.emplace_back(AccountObject(row));
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

HttpResponse HandleGetAccount(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                              const PathParams& p) {
  auto account = ctx.accounts.Get(p.id);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

HttpResponse HandleAddCredits(const HandlerContext& ctx, const Caller& caller,
                              const HttpRequest& req, const PathParams& p) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return Fail(body.error(), req);
  if (Status st = body->OnlyFields({"amount"}); !st.ok()) return Fail(st.error(), req);
  auto amount = body->Int("amount");
  if (!amount.ok()) return Fail(amount.error(), req);
  if (!amount->value) {
    return Fail(InvalidRequest("Missing required field: amount.", "amount"), req);
  }
  auto account = ctx.accounts.AddCredits(caller.principal, p.id, *amount->value);
  if (!account.ok()) return Fail(account.error(), req);
  return JsonResponse(ToJson(AccountObject(*account)));
}

}  // namespace keyward
