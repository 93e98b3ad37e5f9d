#include "grpc/grpc_edge.h"

// clang-format off
#include "http/api.h"  // before gRPC's headers: see ext_authz_service.h
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
// clang-format on

#include <chrono>

#include "grpc/ext_authz_service.h"
#include "grpc/health_service.h"
#include "grpc/tls_snapshot.h"

namespace keyward {
namespace {

class GrpcEdgeImpl final : public GrpcEdge {
 public:
  explicit GrpcEdgeImpl(Api& api) : authz_(api), health_(api.services().readiness()) {}

  Status Start(const GrpcSettings& settings) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (!settings.tls_cert_file.empty()) {
      // The key and chain through a file gRPC re-reads, so that ReloadTls can replace them.
      tls_ = std::make_unique<TlsSnapshot>(settings.tls_cert_file, settings.tls_key_file);
      if (Status st = tls_->Load(); !st.ok()) {
        return InvalidRequest("server.listen_grpc: " + st.error().message(), "listen_grpc");
      }
      auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls_->path(), tls_->path(), TlsSnapshot::kRefreshSeconds);
      grpc::experimental::TlsServerCredentialsOptions options(provider);
      options.watch_identity_key_cert_pairs();
      options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      credentials = grpc::experimental::TlsServerCredentials(options);
    } else {
      credentials = grpc::InsecureServerCredentials();
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(settings.listen, credentials, &port);
    grpc::ResourceQuota quota("keyward-grpc");
    quota.SetMaxThreads(kMaxThreads);
    builder.SetResourceQuota(quota);
    builder.RegisterService(&authz_);
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    if (!server_ || port == 0) {
      server_.reset();
      return InvalidRequest("server.listen_grpc: cannot listen on " + settings.listen,
                            "listen_grpc");
    }
    port_ = static_cast<uint16_t>(port);
    return Status::Ok();
  }

  ~GrpcEdgeImpl() override { Shutdown(0); }

  uint16_t port() const override { return port_; }

  void Shutdown(int grace_seconds) override {
    Drain();
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds));
    server_->Wait();
    server_.reset();
  }

  void Drain() override { health_.Drain(); }

  Status ReloadTls() override { return tls_ ? tls_->Reload() : Status::Ok(); }

  bool tls() const override { return tls_ != nullptr; }

 private:
  ExtAuthzService authz_;
  HealthService health_;
  std::unique_ptr<TlsSnapshot> tls_;  // with TLS; outlives server_ (declared before it)
  std::unique_ptr<grpc::Server> server_;
  uint16_t port_ = 0;
};

}  // namespace

Result<std::unique_ptr<GrpcEdge>> StartGrpcEdge(Api& api, const GrpcSettings& settings) {
  auto edge = std::make_unique<GrpcEdgeImpl>(api);
  if (Status st = edge->Start(settings); !st.ok()) return st.error();
  return std::unique_ptr<GrpcEdge>(std::move(edge));
}

}  // namespace keyward
