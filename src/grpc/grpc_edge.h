// The gRPC edge (API.md 10): Envoy/Istio's ext_authz (`envoy.service.auth.v3.Authorization/Check`)
// and the gRPC health service (`grpc.health.v1.Health/Check`) on `server.listen_grpc`, beside the
// HTTP listeners. An edge like http/: it turns a CheckRequest into the original request and asks
// the one decision /v1/auth asks (http/auth_decision.h), then turns the answer into a
// CheckResponse (check_translation.h).
//
// This header is free of gRPC and protobuf types, so that app/ can hold and stop an edge without
// compiling or linking them: only the keyward binary links the edge (main.cc hands StartGrpcEdge
// to the CLI). The gRPC server runs on its own threads (gRPC's synchronous server, at most
// kMaxThreads), never on the HTTP I/O threads.
//
// With TLS, the certificate is reloadable (ReloadTls, on SIGHUP like the HTTPS listener's; see
// tls_snapshot.h). Drain() (on SIGTERM) makes gRPC health say NOT_SERVING while checks are still
// answered.
//
// Thread-safety: Drain() and ReloadTls() may be called from any thread, at any time until
// Shutdown(); Shutdown() from any thread, once; the services it runs are thread-safe. Failure:
// StartGrpcEdge returns kInvalidRequest naming the setting when the address does not bind or the
// TLS files do not load; a failed ReloadTls keeps the certificate served.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace keyward {

class Api;

struct GrpcSettings {
  std::string listen;         // host:port ("127.0.0.1:9191"; port 0 picks a free one)
  std::string tls_cert_file;  // PEM; with tls_key_file: serve TLS (required off loopback)
  std::string tls_key_file;
};

class GrpcEdge {
 public:
  static constexpr int kMaxThreads = 64;

  virtual ~GrpcEdge() = default;
  // The bound port.
  virtual uint16_t port() const = 0;
  // Stops accepting, lets running checks finish for up to `grace_seconds`, then cancels the rest.
  // Drains first.
  virtual void Shutdown(int grace_seconds) = 0;
  // The node is stopping: grpc.health.v1 says NOT_SERVING from now on (Check, and open Watch
  // streams, which then end); checks are still answered.
  virtual void Drain() = 0;
  // Re-reads tls_cert_file and tls_key_file; new connections get the new certificate within
  // TlsSnapshot::kRefreshSeconds. Without TLS: OK, nothing to do. A pair that does not load
  // returns kInvalidRequest and the old certificate stays.
  virtual Status ReloadTls() = 0;
  // Whether the listener serves TLS.
  virtual bool tls() const = 0;
};

// Binds `settings.listen` and starts serving `api`'s decisions. `api` must outlive the edge.
Result<std::unique_ptr<GrpcEdge>> StartGrpcEdge(Api& api, const GrpcSettings& settings);

// How the CLI is handed the edge (null in builds without it).
using GrpcEdgeStarter = Result<std::unique_ptr<GrpcEdge>> (*)(Api&, const GrpcSettings&);

}  // namespace keyward
