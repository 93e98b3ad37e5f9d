#include "grpc/health_service.h"

#include <chrono>
#include <optional>

namespace keyward {
namespace {

using grpc::health::v1::HealthCheckResponse;

// How often a Watch looks whether its caller went away (between changes).
constexpr std::chrono::milliseconds kCancelCheck{200};

bool KnownService(const std::string& service) {
  return service.empty() || service == "envoy.service.auth.v3.Authorization";
}

bool Send(grpc::ServerWriter<HealthCheckResponse>* writer,
          HealthCheckResponse::ServingStatus status) {
  HealthCheckResponse response;
  response.set_status(status);
  return writer->Write(response);
}

}  // namespace

grpc::Status HealthService::Check(grpc::ServerContext*,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  if (!KnownService(request->service())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  const bool serving = !monitor_.draining() && readiness_.Check().ok();
  response->set_status(serving ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  if (!monitor_.AddWatcher()) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many health watchers");
  }
  struct Release {
    HealthMonitor& monitor;
    ~Release() { monitor.RemoveWatcher(); }
  } release{monitor_};

  const bool known = KnownService(request->service());
  if (!known && !Send(writer, HealthCheckResponse::SERVICE_UNKNOWN)) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
  }
  std::optional<bool> last;  // serving, as last seen (and, for a known service, written)
  for (;;) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
    }
    const HealthMonitor::State state =
        monitor_.Wait(last, std::chrono::steady_clock::now() + kCancelCheck);
    if (state.draining) {
      if (known && last != false && !Send(writer, HealthCheckResponse::NOT_SERVING)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
      }
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    }
    if (!state.known || last == state.serving) continue;
    if (known && !Send(writer, state.serving ? HealthCheckResponse::SERVING
                                             : HealthCheckResponse::NOT_SERVING)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
    }
    last = state.serving;
  }
}

}  // namespace keyward
