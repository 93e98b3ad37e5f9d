// /v1/console/… — what only the operator console needs beyond the admin endpoints (API.md 16):
// the accounts list with search, key counts and last use. Admin keys and operators' sessions
// (kAdminOnly); the checkpoint refused everyone else. Everything else the console shows comes
// from the ordinary endpoints, which an operator's session uses with an admin's rights.
#include "http/errors.h"
#include "http/handlers.h"
#include "http/query.h"
#include "http/render.h"

namespace keyward {
namespace {

constexpr size_t kMaxSearchLength = 254;
constexpr size_t kMaxPlanLength = 40;

}  // namespace

// GET /v1/console/accounts?email=TEXT&plan=NAME&limit=&starting_after=
HttpResponse HandleConsoleAccounts(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                                   const PathParams&) {
  Query q(req.query);
  auto opts = ParseListOptions(q);
  if (!opts.ok()) return ErrorResponse(opts.error(), req.request_id);
  AccountSearch search;
  search.email_contains = q.Get("email").value_or("");
  search.plan = q.Get("plan").value_or("");
  if (search.email_contains.size() > kMaxSearchLength) {
    return ErrorResponse(InvalidRequest("email must be at most 254 characters.", "email"),
                         req.request_id);
  }
  if (search.plan.size() > kMaxPlanLength) {
    return ErrorResponse(InvalidRequest("plan must be at most 40 characters.", "plan"),
                         req.request_id);
  }
  auto page = ctx.accounts.Summaries(search, *opts);
  if (!page.ok()) return ErrorResponse(page.error(), req.request_id);
  boost::json::array data;
  for (const AccountSummary& s : page->items) {
    boost::json::object o;
    o["object"] = "account_summary";
    o["account"] = AccountObject(s.account);
    o["keys"] = s.keys;
    if (s.last_used_at) {
      o["last_used_at"] = *s.last_used_at;
    } else {
      o["last_used_at"] = nullptr;
    }
    data.emplace_back(std::move(o));
  }
  return JsonResponse(ListJson(std::move(data), page->has_more));
}

}  // namespace keyward
