#include "grpc/grpc_edge.h"

// clang-format off
#include "http/api.h"  // before gRPC's headers: see ext_authz_service.h
#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>
// clang-format on

#include <chrono>
#include <fstream>
#include <sstream>

#include "grpc/ext_authz_service.h"
#include "grpc/health_service.h"
#include "http/api.h"

namespace keyward {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

class GrpcEdgeImpl final : public GrpcEdge {
 public:
  explicit GrpcEdgeImpl(Api& api) : authz_(api), health_(api.services().readiness()) {}

  Status Start(const GrpcSettings& settings) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (!settings.tls_cert_file.empty()) {
      grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
      if (!ReadFile(settings.tls_key_file, &pair.private_key) ||
          !ReadFile(settings.tls_cert_file, &pair.cert_chain)) {
        return InvalidRequest("server.listen_grpc: cannot read tls.cert / tls.key", "listen_grpc");
      }
      grpc::SslServerCredentialsOptions options;
      options.pem_key_cert_pairs.push_back(std::move(pair));
      credentials = grpc::SslServerCredentials(options);
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
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(grace_seconds));
    server_->Wait();
    server_.reset();
  }

 private:
  ExtAuthzService authz_;
  HealthService health_;
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
