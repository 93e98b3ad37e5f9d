#include "grpc/ext_authz_service.h"

#include <string>

#include "core/cidr.h"
#include "grpc/check_translation.h"
#include "http/auth_decision.h"
#include "http/errors.h"
#include "http/request_id.h"

namespace keyward {
namespace {

// "ipv4:127.0.0.1:5000" → "127.0.0.1", "ipv6:[::1]:5000" → "::1", "ipv6:[fe80::1%2525eth0]:1" →
// "fe80::1"; "" for anything else (unix: sockets).
std::string_view PeerIp(std::string_view peer) {
  if (peer.starts_with("ipv4:")) {
    peer.remove_prefix(5);
    return peer.substr(0, peer.rfind(':'));
  }
  if (peer.starts_with("ipv6:[")) {
    peer.remove_prefix(6);
    peer = peer.substr(0, peer.find(']'));
    return peer.substr(0, peer.find('%'));  // a zone is not part of the address
  }
  return {};
}

}  // namespace

bool ExtAuthzService::MayAsk(const grpc::ServerContext& context) const {
  const ApiSettings& s = api_.settings();
  if (auto ip = ParseIp(PeerIp(context.peer()))) {
    if (AnyContains(s.verifier_allow_from, *ip)) return true;
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("keyward-admin-key");
  if (it == metadata.end()) return false;
  const std::string_view key(it->second.data(), it->second.size());
  return api_.services().admin_keys().Authenticate(key).ok();
}

grpc::Status ExtAuthzService::Check(grpc::ServerContext* context,
                                    const envoy::service::auth::v3::CheckRequest* request,
                                    envoy::service::auth::v3::CheckResponse* response) {
  RequestIdBuffer id_buffer;
  const std::string_view request_id = NewRequestId(id_buffer);
  const auto& http = request->attributes().request().http();
  CheckHeaders headers(http);
  HttpRequest req;
  req.method = http.method();
  req.target = http.path();
  req.headers = &headers;
  req.request_id = request_id;

  HttpResponse res;
  if (!MayAsk(*context)) {
    res = ErrorResponse(Error(ErrorCode::kForbidden, "This gateway may not ask keyward."),
                        request_id);
  } else {
    // The method and path Envoy names; an empty path is not a request anyone can make.
    OriginalRequest original{http.method().empty() ? std::string_view("GET") : http.method(),
                             http.path()};
    // The client's address as Envoy saw it, else the gateway's own.
    const std::string peer = context->peer();
    std::string_view source = SourceAddress(*request);
    if (source.empty()) source = PeerIp(peer);
    res = AuthorizeOriginal(api_.context(), req, original, source);
  }
  CheckOutcome outcome = ToCheckResponse(res, headers, request_id);
  if (!outcome.response) {
    return grpc::Status(static_cast<grpc::StatusCode>(outcome.rpc_code), outcome.rpc_message);
  }
  *response = std::move(*outcome.response);
  return grpc::Status::OK;
}

}  // namespace keyward
