// /healthz and /readyz (API.md 7).
#include "http/errors.h"
#include "http/handlers.h"

namespace keyward {

HttpResponse HandleHealthz(const HandlerContext&, const Caller&, const HttpRequest&,
                           const PathParams&) {
  return JsonResponse("{\"status\":\"ok\"}");
}

HttpResponse HandleReadyz(const HandlerContext& ctx, const Caller&, const HttpRequest& req,
                          const PathParams&) {
  if (Status st = ctx.readiness.Check(); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  return JsonResponse("{\"status\":\"ok\"}");
}

}  // namespace keyward
