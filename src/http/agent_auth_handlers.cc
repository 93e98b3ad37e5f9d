// /v1/agent-auth/… — agent sign-in (API.md 8): the person's decision and the agent's poll.
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/json_body.h"
#include "http/render.h"

namespace keyward {

// The checkpoint found the session and checked its X-CSRF-Token.
HttpResponse HandleAgentAuthApprove(const HandlerContext& ctx, const Caller& caller,
                                    const HttpRequest& req, const PathParams&) {
  auto body = JsonBody::Parse(req.body, /*empty_ok=*/false);
  if (!body.ok()) return ErrorResponse(body.error(), req.request_id);
  if (Status st = body->OnlyFields({"token", "decision", "client_name"}); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  auto token = body->RequiredString("token");
  if (!token.ok()) return ErrorResponse(token.error(), req.request_id);
  auto decision = body->RequiredString("decision");
  if (!decision.ok()) return ErrorResponse(decision.error(), req.request_id);
  if (*decision != "approve" && *decision != "deny") {
    return ErrorResponse(InvalidRequest("decision must be approve or deny.", "decision"),
                         req.request_id);
  }
  auto client_name = body->String("client_name");
  if (!client_name.ok()) return ErrorResponse(client_name.error(), req.request_id);
  const bool approve = *decision == "approve";
  Status st = ctx.agent_auth.Decide(caller.principal, *token, approve,
                                    client_name->value.value_or("Agent"));
  if (!st.ok()) return ErrorResponse(st.error(), req.request_id);
  boost::json::object o;
  o["object"] = "agent_auth";
  o["status"] = approve ? "approved" : "denied";
  return JsonResponse(ToJson(o));
}

HttpResponse HandleAgentAuthPoll(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                                 const PathParams& p) {
  int64_t retry_after = 0;
  auto poll = ctx.agent_auth.Poll(p.id, ClientIp(req, ctx.settings.trusted_proxies), &retry_after);
  if (!poll.ok()) {
    HttpResponse res = ErrorResponse(poll.error(), req.request_id);
    if (poll.error().code() == ErrorCode::kRateLimited) {
      AddRetryAfter(res, std::max<int64_t>(1, retry_after));
    }
    return res;
  }
  boost::json::object o;
  o["status"] = AgentAuthStateName(poll->state);
  if (poll->state == AgentAuthState::kApproved) {
    o["api_key"] = poll->api_key;
    o["email"] = poll->email;
  }
  HttpResponse res = JsonResponse(ToJson(o));
  res.Add("Cache-Control", "no-store");
  return res;
}

}  // namespace keyward
