// The HTTP/1.1 server: one I/O worker per core (server/listener.h: each with its own io_context,
// thread and SO_REUSEPORT acceptor, per-worker connection caps, idle eviction and a watchdog),
// one coroutine per connection (server/connection.h: keep-alive, in-order pipelining, a fresh
// parser per request with header/body limits and read/idle timeouts), and a small pool for
// handlers that write to the store. Stop() stops accepting, lets in-flight requests finish for up
// to the grace period, closes idle connections, then Run() returns. With listen_tls set, a second
// listener speaks HTTPS (server/tls_context.h: TLS 1.2+ only, forward-secret AEAD ciphers);
// ReloadTls() loads the certificate and key again: new handshakes use the new ones, open
// connections keep theirs. While TLS is configured, plain-HTTP requests from peers that are
// neither loopback nor in plain_http_allowed get 403 HTTPS_REQUIRED. Signals are the caller's:
// `keyward serve` maps SIGTERM/SIGINT to Stop() and SIGHUP to ReloadTls().
// Thread-safety: Start/Run from one thread; Stop and ReloadTls from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cidr.h"
#include "core/status.h"
#include "http/api.h"
#include "http/proxy.h"

namespace keyward {

struct ServerSettings {
  std::string listen = "127.0.0.1:8080";  // host:port; [v6]:port; port 0 picks a free one
  int threads = 0;                        // 0 = one per core
  size_t max_header_bytes = 16 * 1024;    // → 431
  size_t max_body_bytes = 1024 * 1024;    // → 413
  int read_timeout_seconds = 30;          // from a request's first byte to its last
  int idle_timeout_seconds = 60;          // keep-alive wait for the next request
  size_t max_connections = 10000;         // split evenly among the threads; at a thread's share a
                                          // new connection closes that thread's longest-idle one,
                                          // or is closed at once when none is idle
  int shutdown_grace_seconds = 10;
  bool access_log = false;               // one log line per request (no query, no headers)
  int blocking_threads = 16;             // pool for store-writing handlers (group commit)
  std::string listen_tls;                // host:port of the HTTPS listener; empty = none
  std::string tls_cert_file;             // PEM certificate chain (required with listen_tls)
  std::string tls_key_file;              // PEM private key (required with listen_tls)
  std::vector<Cidr> plain_http_allowed;  // with TLS: plain HTTP also from these (trusted proxies)
};

class Server {
 public:
  // With `proxy` (proxy mode), requests outside keyward's own paths are forwarded through it.
  Server(Api& api, ServerSettings settings, std::unique_ptr<Proxy> proxy = nullptr);
  ~Server();

  // Binds the listeners. Errors: kInvalidRequest for a bad address, kUnavailable when it cannot
  // bind (in use, permission).
  Status Start();
  // The bound port (after Start).
  uint16_t port() const;
  // The bound HTTPS port (after Start), 0 without listen_tls.
  uint16_t tls_port() const;
  // Loads tls_cert_file/tls_key_file again for new handshakes. On an error (unreadable file, key
  // not matching the certificate) the old certificate stays in use and the error is returned.
  Status ReloadTls();
  // Serves until Stop(); returns after the drain.
  void Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" / "[v6]:port". False when malformed.
bool SplitHostPort(std::string_view listen, std::string* host, uint16_t* port);

}  // namespace keyward
