#include "grpc/health_service.h"

namespace keyward {

grpc::Status HealthService::Check(grpc::ServerContext*,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) {
  using grpc::health::v1::HealthCheckResponse;
  const std::string& service = request->service();
  if (!service.empty() && service != "envoy.service.auth.v3.Authorization") {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  response->set_status(readiness_.Check().ok() ? HealthCheckResponse::SERVING
                                               : HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

}  // namespace keyward
