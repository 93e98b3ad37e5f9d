// The pure half of the ext_authz edge: a CheckRequest's credential headers as the HeaderSource
// the HTTP decision reads (CheckHeaders), the original request and client address it names, and
// the HTTP decision's answer as a CheckResponse (ToCheckResponse):
//   200        → status OK, OkHttpResponse: the X-Keyward-* lines as `headers` (replacing any the
//                client sent), the key headers in `headers_to_remove`, the rate-limit headers in
//                `response_headers_to_add`;
//   401        → UNAUTHENTICATED, 403 / 429 → PERMISSION_DENIED, 400 → INVALID_ARGUMENT, each
//                with a DeniedHttpResponse: the HTTP status, the JSON error body, Content-Type,
//                X-Request-Id and the headers /v1/auth sends (WWW-Authenticate, Retry-After,
//                rate-limit headers);
//   503 / 5xx  → no CheckResponse: the RPC fails (UNAVAILABLE / INTERNAL) so that Envoy's
//                failure_mode_allow decides.
// Pure functions; thread-safe. A CheckHeaders views the request it was made from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "envoy/service/auth/v3/external_auth.pb.h"
#include "http/http_types.h"

namespace keyward {

// The request's headers (`headers`, or `header_map` when Envoy sends raw headers), looked up
// case-insensitively without copying. Pseudo-headers (":path") are never returned.
class CheckHeaders : public HeaderSource {
 public:
  explicit CheckHeaders(const envoy::service::auth::v3::AttributeContext::HttpRequest& http)
      : http_(http) {}
  std::optional<std::string_view> Get(std::string_view name) const override;

 private:
  const envoy::service::auth::v3::AttributeContext::HttpRequest& http_;
};

// attributes.source.address's IP ("" when Envoy sent none).
std::string_view SourceAddress(const envoy::service::auth::v3::CheckRequest& request);

// The CheckResponse for the decision `res` (made for the credential `credential_header_value` of
// Authorization, if any), or nullopt when the RPC must fail (see above); `request_id` is the
// id the decision used.
struct CheckOutcome {
  std::optional<envoy::service::auth::v3::CheckResponse> response;
  int rpc_code = 0;         // grpc::StatusCode when `response` is empty
  std::string rpc_message;  // public text
};
CheckOutcome ToCheckResponse(const HttpResponse& res, const HeaderSource& request_headers,
                             std::string_view request_id);

// google.rpc.Code values (grpc::StatusCode without the gRPC headers).
enum RpcCode : int {
  kRpcOk = 0,
  kRpcInvalidArgument = 3,
  kRpcPermissionDenied = 7,
  kRpcInternal = 13,
  kRpcUnavailable = 14,
  kRpcUnauthenticated = 16,
};

}  // namespace keyward
