// One client connection of the API server: its request loop over a plain, TLS or in-memory stream
// (keep-alive, in-order pipelining, a fresh parser per request with the header and body limits,
// 431/413/400 answered and the connection drained and closed, handlers that write to the store run
// on the blocking pool, requests outside keyward's paths handed to the proxy in proxy mode), and
// the per-connection record through which the worker that owns it enforces its deadline.
// Thread-safety: everything here runs on the owning worker's thread (the blocking pool only runs
// the handler and resumes on that thread). Failures end the connection; nothing is thrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>

#include "http/api.h"
#include "http/proxy.h"
#include "http/server.h"
#include "http/wire/connection_control.h"
#include "http/wire/request_view.h"

namespace keyward {

// What every connection's loop shares; outlives every connection.
struct ServeContext {
  Api& api;
  const ServerSettings& settings;
  boost::asio::thread_pool& blocking;  // for Api::IsBlocking requests
  Proxy* proxy;                        // proxy mode, else null
  const std::atomic<bool>& stopping;   // the server drains: no further request on a connection
};

// The record of one connection that its worker sees: the deadline the worker's once-a-second
// watchdog enforces (no timer is armed per I/O operation) and whether the connection waits
// between requests (the only ones evicted to make room, or cancelled by Stop).
class ConnectionSlot final : public ConnectionControl {
 public:
  // `now` is the worker's coarse clock (seconds), `read_extension` the read timeout in its units.
  ConnectionSlot(boost::asio::ip::tcp::socket* its_socket, size_t worker_index, const int64_t& now,
                 int64_t read_extension, const std::atomic<bool>& stopping)
      : socket(its_socket),
        worker(worker_index),
        now_(now),
        read_extension_(read_extension),
        stopping_(stopping) {}

  void ExtendDeadline(int64_t seconds) override {
    deadline = now_ + std::max(seconds, read_extension_);
  }
  bool Draining() const override { return stopping_.load(std::memory_order_relaxed); }
  int64_t now() const { return now_; }

  boost::asio::ip::tcp::socket* socket;  // cancelled/closed by the worker; null when in memory
  const size_t worker;                   // the worker's index (its proxy connection pool)
  bool idle = true;
  int64_t deadline = 0;  // worker seconds; the socket is cancelled once the clock passes it
  bool evicted = false;  // closed by the listener to make room

 private:
  const int64_t& now_;
  const int64_t read_extension_;
  const std::atomic<bool>& stopping_;
};

// Serves requests on `stream` until the client closes, an error, a Connection: close, or the
// server drains; then stops sending. Instantiated in connection.cc for tcp::socket,
// ssl::stream<tcp::socket> and beast::test::stream (the last without proxy mode).
template <class Stream>
boost::asio::awaitable<void> ServeConnection(const ServeContext& ctx, Stream& stream,
                                             ConnectionSlot& slot, Peer peer);

}  // namespace keyward
