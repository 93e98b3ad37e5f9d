// `keyward serve`'s signals, handled in the app as in Beast's examples (the server only offers
// Stop() and ReloadTls()): SIGTERM and SIGINT stop the server (it drains, then Run returns),
// SIGHUP reloads its TLS certificate (a failed reload keeps the old one and is logged).
// The handlers only write the signal's number to a pipe; one thread reads it and calls the
// server, so nothing but write(2) runs in signal context. One ServeSignals at a time per process.
// Thread-safety: construct and destroy on one thread; the server's calls are thread-safe.
// Failure: when the pipe cannot be made, the signals keep their default actions (logged).
#pragma once

#include <thread>

#include "http/server.h"

namespace keyward {

class ServeSignals {
 public:
  ServeSignals(Server& server, const ServerSettings& settings);
  ~ServeSignals();  // restores the default actions and ends the thread
  ServeSignals(const ServeSignals&) = delete;
  ServeSignals& operator=(const ServeSignals&) = delete;

 private:
  void Loop();

  Server& server_;
  const ServerSettings& settings_;
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace keyward
