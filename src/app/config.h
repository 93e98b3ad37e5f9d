// keyward's configuration (API.md 9): one TOML file, every key also settable from the environment
// as KEYWARD_SECTION_KEY (lists comma-separated), then command-line flags. Unknown keys and bad
// values are refused with the file, line and reason. Start-up only; the result is immutable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/cidr.h"
#include "core/status.h"
#include "http/api.h"
#include "http/proxy.h"
#include "http/server.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

// Every setting's default is written once: here, or in the settings struct of the layer that uses
// it (ServerSettings, ServiceSettings, ProxySettings, ApiSettings, StoreOptions). A default-built
// Config is the built-in configuration; keyward.example.toml spells it out (config/schema_test.cc).
struct Config {
  ServerSettings server;
  std::vector<Cidr> trusted_proxies = ApiSettings{}.trusted_proxies;
  std::vector<Cidr> verifier_allow_from = ApiSettings{}.verifier_allow_from;
  // The URL people reach keyward at (API.md 16: operators' set-up links); empty = "http://" +
  // server.listen.
  std::string public_url;
  std::string store_url = "sqlite://data/keyward.db";
  int store_pool_size = StoreOptions{}.pool_size;  // PostgreSQL connections per node
  ServiceSettings service;
  ProxySettings proxy;
  std::string log_level = "info";
  // Per client address; 0 = no throttle.
  int64_t auth_failures_per_minute = ApiSettings{}.auth_failures_per_minute;
  std::string source = "(defaults)";  // where it came from, for messages
  // server.listen_grpc: Envoy/Istio gRPC ext_authz (API.md 10); empty = off. Plaintext on a
  // loopback address; anywhere else it serves TLS with [tls] cert/key (required there).
  std::string listen_grpc;
  bool listen_grpc_tls = false;  // derived: listen_grpc is not a loopback address
};

// Loads `path` (or defaults when empty), then the environment `envp` (KEYWARD_*).
// The error message names the file and line: "keyward.toml:12: server.threads must be ...".
Result<Config> LoadConfig(const std::string& path, char** envp);

}  // namespace keyward
