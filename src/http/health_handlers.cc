// /healthz and /readyz (API.md 7).
#include "http/errors.h"
#include "http/handlers.h"
#include "http/request_auth.h"

namespace keyward {

HttpResponse HandleHealthz(Api&, const HttpRequest&, const PathParams&) {
  return JsonResponse("{\"status\":\"ok\"}");
}

HttpResponse HandleReadyz(Api& api, const HttpRequest& req, const PathParams&) {
  if (Status st = api.services().Readiness(); !st.ok()) {
    return ErrorResponse(st.error(), req.request_id);
  }
  return JsonResponse("{\"status\":\"ok\"}");
}

}  // namespace keyward
