// POST /v1/leaked_keys — GitHub's secret-scanning partner program (API.md 15): a JSON array of
// {"token","type","url","source"} signed by GitHub (Github-Public-Key-Identifier,
// Github-Public-Key-Signature), or the same body posted with an admin key (other scanners).
// A wrong or missing signature without an admin key → 401 and nothing happens. Answers one row
// per report: {"token_raw","token_type","label"}.
#include "core/key_format.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/render.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

HttpResponse Fail(const Error& e, const HttpRequest& req) {
  return ErrorResponse(e, req.request_id);
}

Result<std::vector<LeakReport>> ReadReports(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_array()) {
    return InvalidRequest("The body must be a JSON array of reports.");
  }
  const boost::json::array& items = v.as_array();
  if (items.size() > kMaxLeakReports) {
    return InvalidRequest("At most 1000 reports per request.");
  }
  std::vector<LeakReport> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = "[" + std::to_string(i) + "]";
    if (!items[i].is_object()) return InvalidRequest("Each report must be an object.", at);
    const boost::json::object& o = items[i].as_object();
    LeakReport r;
    // GitHub may add fields to its reports: unknown ones are ignored, known ones must be strings.
    for (auto [name, field] : {std::pair{"token", &r.token}, std::pair{"type", &r.type},
                               std::pair{"url", &r.url}, std::pair{"source", &r.source}}) {
      const boost::json::value* f = o.if_contains(name);
      if (!f || f->is_null()) continue;
      if (!f->is_string())
        return InvalidRequest(std::string(name) + " must be a string.", at + "." + name);
      *field = std::string(f->as_string());
    }
    if (r.token.empty() || r.token.size() > 512) {
      return InvalidRequest("token must be a non-empty string.", at + ".token");
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

HttpResponse HandleLeakedKeys(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                              const PathParams&) {
  auto signature = req.Header("github-public-key-signature");
  auto key_id = req.Header("github-public-key-identifier");
  Principal who = Principal::Admin({});
  bool from_github = false;
  if (signature || key_id) {
    Status st =
        ctx.leaks.VerifyGithubSignature(key_id.value_or(""), signature.value_or(""), req.body);
    if (!st.ok()) return Fail(st.error(), req);
    who.actor = EventActor{"system", "github", {}};
    from_github = true;
  } else {
    PresentedCredential cred = ManagementCredential(req);
    if (cred.presence != CredentialPresence::kPresent) {
      return Fail(
          Error(ErrorCode::kUnauthorized, "The report's signature is missing or not valid."), req);
    }
    if (Status st = ctx.admin_keys.Authenticate(cred.value); !st.ok()) return Fail(st.error(), req);
    who.actor = EventActor{"admin_key", ctx.admin_keys.PrefixOf(cred.value),
                           ClientIp(req, ctx.settings.trusted_proxies)};
  }
  who.request_id = std::string(req.request_id);
  auto reports = ReadReports(req.body);
  if (!reports.ok()) return Fail(reports.error(), req);
  auto verdicts = ctx.leaks.Report(who, from_github, *reports);
  if (!verdicts.ok()) return Fail(verdicts.error(), req);
  boost::json::array rows;
  for (const LeakVerdict& v : *verdicts) {
    rows.push_back(boost::json::object{
        {"token_raw", v.token_raw}, {"token_type", v.token_type}, {"label", v.label}});
  }
  return JsonResponse(boost::json::serialize(rows));
}

}  // namespace keyward
