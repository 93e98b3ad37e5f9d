// The server's I/O workers: each owns an io_context run by one thread, its own SO_REUSEPORT
// acceptors (plain and TLS; the kernel spreads connections, no lock is shared on the request
// path), its connections (ConnectionSlot, each served by connection.h's loop), its share of
// server.max_connections (at the share a new connection closes the worker's longest-idle one, or
// is closed at once when none is idle) and a once-a-second watchdog that advances the worker's
// coarse clock and cancels connections past their deadline.
// Thread-safety: Bind and Start from one thread before serving; StopAccepting, live_connections
// from any thread; Join from the thread that called Start. Per-worker state is touched only on
// that worker's thread. Failures: Bind returns kInvalidRequest (bad address) or kUnavailable.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"
#include "http/server/connection.h"
#include "http/server/tls_context.h"

namespace keyward {

// The connection records come first: a connection still open when the io_context goes is
// destroyed with it and unregisters itself from them.
struct Worker {
  explicit Worker(size_t worker_index) : index(worker_index) {}
  std::list<ConnectionSlot> connections;  // touched only on this worker's thread
  size_t evicted = 0;                     // of `connections`, closed by EvictIdle and still ending
  int64_t now = 0;                        // coarse steady seconds, advanced by the watchdog
  const size_t index;                     // its connection pool in proxy mode
  boost::asio::io_context ioc{1};         // run by one thread; others only post() to it
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::optional<boost::asio::ip::tcp::acceptor> tls_acceptor;
  std::thread thread;
};

class Listener {
 public:
  // `threads` ≥ 1 workers. `ctx` and `tls` (null without TLS) outlive the listener;
  // `on_last_connection` runs on a worker thread whenever the last live connection ends while
  // the server stops.
  Listener(const ServeContext& ctx, TlsContext* tls, size_t threads,
           std::function<void()> on_last_connection);
  ~Listener();  // stops the workers and joins their threads

  size_t worker_count() const { return workers_.size(); }
  // One acceptor per worker on `listen` ("server.<name>" in messages); *bound = the port.
  Status Bind(const std::string& listen, std::string_view name, bool tls, uint16_t* bound);
  // Starts the workers: accept loops, watchdogs, one thread each.
  void Start();
  // Each worker closes its acceptors and cancels its connections that wait between requests.
  void StopAccepting();
  size_t live_connections() const { return live_.load(); }
  // Stops the workers' io_contexts (open connections end) and joins their threads.
  void Join();

 private:
  boost::asio::awaitable<void> AcceptLoop(Worker& w, boost::asio::ip::tcp::acceptor& acceptor,
                                          bool tls);
  bool EvictIdle(Worker& w);
  boost::asio::awaitable<void> Watchdog(Worker& w);
  boost::asio::awaitable<void> Session(Worker& w, boost::asio::ip::tcp::socket socket, bool tls);

  const ServeContext& ctx_;
  TlsContext* tls_;
  std::function<void()> on_last_connection_;
  std::vector<std::unique_ptr<Worker>> workers_;
  size_t per_worker_max_connections_ = 1;
  std::atomic<size_t> live_{0};
};

// Registers a connection with its worker for as long as it lives.
class SlotRegistration {
 public:
  SlotRegistration(Worker& w, boost::asio::ip::tcp::socket* socket, int64_t read_extension,
                   const std::atomic<bool>& stopping)
      : w_(w),
        it_(w.connections.emplace(w.connections.end(), socket, w.index, w.now, read_extension,
                                  stopping)) {}
  ~SlotRegistration() {
    if (it_->evicted) --w_.evicted;
    w_.connections.erase(it_);
  }
  SlotRegistration(const SlotRegistration&) = delete;
  SlotRegistration& operator=(const SlotRegistration&) = delete;
  ConnectionSlot& slot() { return *it_; }

 private:
  Worker& w_;
  std::list<ConnectionSlot>::iterator it_;
};

}  // namespace keyward
