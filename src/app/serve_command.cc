// `keyward serve`: load the index, make the first admin key on the first start, serve until
// SIGTERM/SIGINT, flush usage, exit 0.
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/commands.h"
#include "app/environment.h"
#include "app/signals.h"
#include "http/api.h"
#include "http/proxy.h"
#include "http/server.h"
#include "http/webhook_delivery.h"
#include "service/event_builder.h"
#include "store/store.h"

namespace keyward {
namespace {

void PrintFirstStart(const std::string& admin_key, const std::string& host, uint16_t port) {
  const std::string base = "http://" + host + ":" + std::to_string(port);
  std::cout
      << "\nkeyward: first start — here is your admin key. It is shown only once; keep it:\n\n"
      << "    " << admin_key << "\n\n"
      << "Try it (creates an account):\n\n"
      << "    curl -s -X POST " << base << "/v1/accounts -H 'Authorization: Bearer " << admin_key
      << "' -H 'Content-Type: application/json' -d '{\"email\":\"you@example.com\","
         "\"name\":\"You\"}'\n\n"
      << "Or open the dashboard, sign up and create a key: " << base << "/dashboard/\n\n"
      << "More in README.md (quick start).\n"
      << std::endl;
}

}  // namespace

int ServeCommand(const ServeOptions& opts, char** envp, GrpcEdgeStarter start_grpc) {
  auto env = OpenEnvironment(opts.common, envp, opts.listen);
  if (!env) return 1;
  Services& sv = *env->services;
  if (Status st = sv.LoadIndex(); !st.ok()) {
    std::cerr << "keyward: cannot load keys: " << st.error().ForLog() << "\n";
    return 1;
  }

  sv.StartMaintenance();
  // Webhook deliveries on their own threads (API.md 14): never on a request's.
  WebhookDelivery deliveries(sv.store(), sv.webhooks(), sv.settings().webhooks, sv.clock(),
                             std::string("keyward/") + KEYWARD_VERSION);
  deliveries.Start();
  Api api(sv, ApiSettings{env->config.verifier_allow_from, env->config.trusted_proxies,
                          env->config.auth_failures_per_minute});
  std::unique_ptr<Proxy> proxy;
  if (env->config.proxy.enabled()) {
    auto created = Proxy::Create(api, env->config.proxy);
    if (!created.ok()) {
      std::cerr << "keyward: " << created.error().message() << "\n";
      return 1;
    }
    proxy = std::move(*created);
    spdlog::info("proxy mode: forwarding to {}", env->config.proxy.upstream);
  }
  Server server(api, env->config.server, std::move(proxy));
  ServeSignals signals(server, env->config.server);  // SIGTERM/SIGINT → Stop, SIGHUP → ReloadTls
  if (Status st = server.Start(); !st.ok()) {
    std::cerr << "keyward: " << st.error().message() << "\n";
    return 1;
  }
  std::string host;
  uint16_t port;
  SplitHostPort(env->config.server.listen, &host, &port);
  spdlog::info("listening on {}:{} (store {})", host, server.port(),
               RedactStoreUrl(env->config.store_url));
  if (!env->config.server.listen_tls.empty()) {
    std::string tls_host;
    uint16_t tls_port;
    SplitHostPort(env->config.server.listen_tls, &tls_host, &tls_port);
    spdlog::info("listening for HTTPS on {}:{} (certificate {})", tls_host, server.tls_port(),
                 env->config.server.tls_cert_file);
  }

  // The gRPC edge (API.md 10) on its own threads, stopped after the HTTP server drained.
  std::unique_ptr<GrpcEdge> grpc;
  struct ClearHooks {  // the signals forget the edge before it goes (declared after it)
    ServeSignals& signals;
    ~ClearHooks() { signals.SetHooks(SignalHooks()); }
  } clear_hooks{signals};
  if (!env->config.listen_grpc.empty()) {
    if (start_grpc == nullptr) {
      std::cerr << "keyward: server.listen_grpc is set, but this build has no gRPC edge\n";
      return 1;
    }
    const bool tls = env->config.listen_grpc_tls;
    auto started = start_grpc(
        api, GrpcSettings{env->config.listen_grpc, tls ? env->config.server.tls_cert_file : "",
                          tls ? env->config.server.tls_key_file : ""});
    if (!started.ok()) {
      std::cerr << "keyward: " << started.error().message() << "\n";
      return 1;
    }
    grpc = std::move(*started);
    // SIGTERM: gRPC health says NOT_SERVING while the HTTP server drains; SIGHUP: its certificate.
    GrpcEdge* edge = grpc.get();
    SignalHooks hooks;
    hooks.on_stop = [edge] { edge->Drain(); };
    if (edge->tls()) {
      hooks.reload_tls = [edge] { return edge->ReloadTls(); };
      hooks.reload_tls_name = "gRPC";
    }
    signals.SetHooks(std::move(hooks));
    std::string grpc_host;
    uint16_t grpc_port;
    SplitHostPort(env->config.listen_grpc, &grpc_host, &grpc_port);
    spdlog::info("listening for gRPC ext_authz on {}:{} ({})", grpc_host, grpc->port(),
                 tls ? "TLS" : "plaintext, loopback");
  }

  // Only one of several nodes starting together on an empty store makes (and prints) the key.
  auto admin_count = sv.store().CountAdminKeys();
  if (admin_count.ok() && *admin_count == 0) {
    auto key = sv.admin_keys().CreateFirst("first admin key", SystemActor());
    if (!key.ok()) {
      std::cerr << "keyward: cannot create the first admin key: " << key.error().message() << "\n";
      return 1;
    }
    if (*key) PrintFirstStart(**key, host, server.port());
  }

  server.Run();
  deliveries.Stop();
  if (grpc) grpc->Shutdown(env->config.server.shutdown_grace_seconds);
  sv.Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace keyward
