// Proxy mode (API.md 5, config [proxy]): with `upstream` set, every request outside keyward's own
// paths is authenticated, limited and charged exactly like GET /v1/auth, then forwarded to an
// upstream over pooled keep-alive connections with streaming bodies (see proxy/exchange.h for the
// I/O). This header is free of Beast/Asio so that app/ can build and configure the proxy.
//
// Decisions (docs/operations.md "Proxy mode"):
// - Credits are charged once a connection to the upstream is in hand (a pooled one, or a fresh
//   connect that succeeded), before the request is written. A connect failure is 502 BAD_GATEWAY
//   and is not charged; the request still counts against the rate limits, as every refused
//   request does. A timeout (504) or an upstream that breaks off after the connect is charged.
// - Idempotency-Key on a forwarded POST: the request body is read first (at most
//   kIdempotentBodyLimit, else 413), the key is claimed, and the upstream's response is stored
//   when its status is < 500 and its body at most kStoredResponseLimit; a larger response is
//   streamed to the client but not stored (the claim is released, so a retry runs again).
//
// Thread-safety: immutable after Create() apart from the per-worker connection pools, each used
// only by its own worker's thread; no lock is shared on the request path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "http/route_registry.h"  // IsKeywardPath: derived from the route registry

namespace keyward {

class Api;

struct ProxySettings {
  std::string upstream;          // "http://host:port"; empty = proxy mode off
  std::string sandbox_upstream;  // where sandbox requests go (unless the route has a file)
  std::string test_upstream;     // where test-mode keys go; empty = `upstream`
  int timeout_seconds = 30;      // connect + wait for the response head; also per-read stall
  uint64_t max_body = 100ull * 1024 * 1024;  // request body limit for forwarded requests → 413
  size_t max_idle_per_worker = 64;           // pooled keep-alive connections per upstream+worker
  std::string base_dir;  // relative sandbox_response paths are read from here (the config's dir)

  bool enabled() const { return !upstream.empty(); }
};

// "http://host:port[/]" → host and port (80 by default). False for anything else (https is not
// supported for upstreams).
bool ParseUpstreamUrl(std::string_view url, std::string* host, uint16_t* port);

class Proxy {
 public:
  static constexpr size_t kIdempotentBodyLimit = 1024 * 1024;
  static constexpr size_t kStoredResponseLimit = 1024 * 1024;

  // Resolves the upstreams and reads every route's sandbox_response file. kInvalidRequest naming
  // the setting at fault.
  static Result<std::unique_ptr<Proxy>> Create(Api& api, const ProxySettings& settings);
  ~Proxy();

  // True when proxy mode is on and `path` is not keyward's own (the route registry's, see
  // route_registry.h IsKeywardPath): the request is forwarded.
  bool Handles(std::string_view path) const { return !IsKeywardPath(path); }
  uint64_t max_body() const;
  // Called once by the server before it runs: one connection pool per I/O worker.
  void PrepareWorkers(size_t count);

  struct State;  // defined in proxy_internal.h (Asio types)
  State& state() { return *state_; }

 private:
  explicit Proxy(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace keyward
