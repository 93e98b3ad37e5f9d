// `keyward serve`'s signals, handled in the app as in Beast's examples (the server only offers
// Stop() and ReloadTls()): SIGTERM and SIGINT stop the server (it drains, then Run returns),
// SIGHUP reloads its TLS certificate (a failed reload keeps the old one and is logged). The gRPC
// edge, once it runs, adds its part through SetHooks: it drains (health NOT_SERVING) when the
// server stops, and reloads its own certificate on SIGHUP.
// The handlers only write the signal's number to a pipe; one thread reads it and calls the
// server, so nothing but write(2) runs in signal context. One ServeSignals at a time per process.
// Thread-safety: construct and destroy on one thread; SetHooks from any thread; the server's
// calls are thread-safe.
// Failure: when the pipe cannot be made, the signals keep their default actions (logged).
#pragma once

#include <functional>
#include <string>
#include <thread>

#include "core/mutex.h"
#include "core/status.h"
#include "http/server.h"

namespace keyward {

// What else a signal does, beside the HTTP server's part (empty: nothing).
struct SignalHooks {
  std::function<void()> on_stop;       // SIGTERM/SIGINT, before the server stops
  std::function<Status()> reload_tls;  // SIGHUP: another listener's certificate
  std::string reload_tls_name;         // names that listener in the log ("gRPC")
};

class ServeSignals {
 public:
  ServeSignals(Server& server, const ServerSettings& settings);
  ~ServeSignals();  // restores the default actions and ends the thread
  ServeSignals(const ServeSignals&) = delete;
  ServeSignals& operator=(const ServeSignals&) = delete;

  // Replaces the hooks; they must stay valid until the next SetHooks or the destructor.
  void SetHooks(SignalHooks hooks);

 private:
  void Loop();
  void Reload();

  Server& server_;
  const ServerSettings& settings_;
  int pipe_[2] = {-1, -1};
  Mutex mu_;
  SignalHooks hooks_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace keyward
