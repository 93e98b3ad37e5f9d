// grpc.health.v1.Health/Check: SERVING for "" and "envoy.service.auth.v3.Authorization" when
// /readyz would answer 200 (ReadinessProbe::Check: index loaded, store and Redis answering),
// NOT_SERVING otherwise; NOT_FOUND for any other service name. Watch is not served
// (UNIMPLEMENTED): health checkers poll Check. Open to every caller, like /readyz.
// Thread-safe; Check blocks for at most the store's and Redis's ping timeouts.
#pragma once

// clang-format off
#include "service/readiness.h"  // before gRPC's headers: see ext_authz_service.h
#include "grpc/health/v1/health.grpc.pb.h"
// clang-format on

namespace keyward {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(const ReadinessProbe& readiness) : readiness_(readiness) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

 private:
  const ReadinessProbe& readiness_;
};

}  // namespace keyward
