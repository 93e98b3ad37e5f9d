// The proxy's upstream side for one I/O worker: the timer that bounds each upstream operation, and
// the worker's pool of keep-alive upstream connections (TcpUpstreams: a pooled socket that still
// looks open, else a fresh connect). The exchange (exchange.h) is written against the Upstreams
// shape below, so that the fuzzer can put in-memory upstreams (fuzz/memory_upstreams.h) in its place:
//   using Connection;
//   awaitable<error_code> Acquire(executor, upstream index, allow_pool, timer,
//   optional<Connection>&,
//                                 bool* reused);
//   void Return(upstream index, Connection&&);   static void Close(Connection&);
// Thread-safety: a worker's pool and timers are used only on that worker's thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "http/proxy_internal.h"

namespace keyward {

// Cancels the watched upstream connection when an armed period runs out. Re-armed around every
// upstream operation; a period that ended (Disarm) can no longer fire. The watched connection must
// outlive the timer's watch (Watch again, or destroy the timer, before it goes).
class UpstreamTimer {
 public:
  UpstreamTimer(const boost::asio::any_io_executor& ex, std::chrono::seconds period)
      : timer_(ex), period_(period), shared_(std::make_shared<Shared>()) {}
  ~UpstreamTimer() { shared_->target = nullptr; }
  UpstreamTimer(const UpstreamTimer&) = delete;
  UpstreamTimer& operator=(const UpstreamTimer&) = delete;

  // `cancel(target)` is what firing does to the connection.
  void Watch(void* target, void (*cancel)(void*)) {
    shared_->target = target;
    shared_->cancel = cancel;
  }
  void Arm();
  void Disarm() { shared_->armed = false; }
  bool fired() const { return shared_->fired; }

 private:
  struct Shared {
    void* target = nullptr;
    void (*cancel)(void*) = nullptr;
    uint64_t generation = 0;
    bool armed = false;
    bool fired = false;
  };
  boost::asio::steady_timer timer_;
  std::chrono::seconds period_;
  std::shared_ptr<Shared> shared_;
};

// The real upstreams of one worker (Proxy::State::pools[worker]).
class TcpUpstreams {
 public:
  using Connection = boost::asio::ip::tcp::socket;

  TcpUpstreams(Proxy::State& state, size_t worker) : state_(state), pool_(*state.pools[worker]) {}

  // A live connection to upstream `index` in `out` (watched by `timer`): with allow_pool a pooled
  // one that still looks open (*reused = true), else a new one, each connect bounded by the timer.
  // Errors: timed_out when the timer fired, else the last connect error (host_not_found when the
  // upstream has no address).
  boost::asio::awaitable<boost::system::error_code> Acquire(const boost::asio::any_io_executor& ex,
                                                            size_t index, bool allow_pool,
                                                            UpstreamTimer& timer,
                                                            std::optional<Connection>& out,
                                                            bool* reused);
  // Keeps `c` for the next request to that upstream, or closes it when the pool is full
  // (proxy.max_idle_per_worker).
  void Return(size_t index, Connection&& c);
  static void Close(Connection& c);

 private:
  Proxy::State& state_;
  WorkerPool& pool_;
};

}  // namespace keyward
