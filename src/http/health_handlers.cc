// /healthz and /readyz (API.md 7).
#include "http/errors.h"
#include "http/handlers.h"
#include "http/request_auth.h"

namespace keyward {

HttpResponse HandleHealthz(Api&, const HttpRequest&, const PathParams&) {
  return JsonResponse("{\"status\":\"ok\"}");
}

HttpResponse HandleReadyz(Api& api, const HttpRequest& req, const PathParams&) {
  Services& sv = api.services();
  if (!sv.ready()) {
    return ErrorResponse(Error(ErrorCode::kUnavailable, "The key index is still loading."),
                         req.request_id);
  }
  if (Status st = sv.store().Ping(); !st.ok()) {
    return ErrorResponse(
        Error(ErrorCode::kUnavailable, "The store does not answer: " + st.error().message()),
        req.request_id);
  }
  return JsonResponse("{\"status\":\"ok\"}");
}

}  // namespace keyward
