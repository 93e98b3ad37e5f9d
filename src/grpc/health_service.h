// grpc.health.v1.Health (API.md 10) for "" and "envoy.service.auth.v3.Authorization":
// - Check: SERVING when /readyz would answer 200 (ReadinessProbe::Check: index loaded, store and
//   Redis answering) and the node is not draining, NOT_SERVING otherwise; NOT_FOUND for any other
//   service name.
// - Watch: streams the current status, then every change (HealthMonitor polls the probe while
//   someone watches); when the node drains (SIGTERM), NOT_SERVING and the stream ends with
//   UNAVAILABLE. An unknown service name gets SERVICE_UNKNOWN and the stream stays open (as the
//   gRPC health protocol says). At most HealthMonitor::kMaxWatchers streams at once (each holds
//   a server thread): one more gets RESOURCE_EXHAUSTED.
// Open to every caller, like /readyz. Thread-safe; Check blocks for at most the store's and
// Redis's ping timeouts.
#pragma once

// clang-format off
#include "service/readiness.h"  // before gRPC's headers: see ext_authz_service.h
#include "grpc/health_monitor.h"
#include "grpc/health/v1/health.grpc.pb.h"
// clang-format on

namespace keyward {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(const ReadinessProbe& readiness)
      : readiness_(readiness), monitor_(readiness) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

  grpc::Status Watch(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

  // The node drains: NOT_SERVING from now on; open Watch streams say so and end.
  void Drain() { monitor_.Drain(); }

 private:
  const ReadinessProbe& readiness_;
  HealthMonitor monitor_;
};

}  // namespace keyward
