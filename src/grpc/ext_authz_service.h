// envoy.service.auth.v3.Authorization/Check (API.md 10) over the decision of /v1/auth
// (http/auth_decision.h): the credential comes from the CheckRequest's headers, the method and
// path from attributes.request.http (never from X-Original-* / X-Forwarded-* headers, which there
// are the client's own), the client address (the sandbox's per-IP limit) from
// attributes.source.address. Callers, as for /v1/auth (API.md 5): a peer in verifier.allow_from,
// or a call carrying a valid admin key in its `keyward-admin-key` metadata; any other caller gets
// a denial (403), never a verdict — a denial, not an RPC error, so that Envoy's
// failure_mode_allow cannot let the request through.
// Thread-safe: runs on gRPC's threads; the decision's services are thread-safe.
#pragma once

// keyward's headers first: its thread annotations (core/thread_annotations.h) and abseil's (via
// gRPC) define the same macros, and abseil's, coming second from a system header, stay quiet.
// clang-format off
#include "http/api.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
// clang-format on

namespace keyward {

class ExtAuthzService final : public envoy::service::auth::v3::Authorization::Service {
 public:
  explicit ExtAuthzService(Api& api) : api_(api) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const envoy::service::auth::v3::CheckRequest* request,
                     envoy::service::auth::v3::CheckResponse* response) override;

 private:
  bool MayAsk(const grpc::ServerContext& context) const;

  Api& api_;
};

}  // namespace keyward
