// In-memory upstreams with TcpUpstreams' shape (upstream_pool.h), for driving the real proxy
// exchange without sockets (the proxy_exchange fuzzer, tests): every Acquire yields a fresh
// in-memory connection whose upstream answers with the given bytes and then closes; what the
// exchange sends upstream is collected. The first Acquire that allows the pool can pretend to reuse
// a pooled connection, so that the exchange's retry paths run. Not thread-safe; one exchange at a
// time, on the thread that runs the executor given to Acquire.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <list>
#include <optional>
#include <string>
#include <string_view>

#include "http/proxy/upstream_pool.h"

namespace keyward {

class MemoryUpstreams {
 public:
  using Connection = boost::beast::test::stream;

  // Connections run on `ioc` (the executor passed to Acquire is not used).
  MemoryUpstreams(boost::asio::io_context& ioc, std::string_view response, bool first_is_pooled)
      : ioc_(ioc), response_(response), pretend_pooled_(first_is_pooled) {}

  boost::asio::awaitable<boost::system::error_code> Acquire(const boost::asio::any_io_executor& ex,
                                                            size_t index, bool allow_pool,
                                                            UpstreamTimer& timer,
                                                            std::optional<Connection>& out,
                                                            bool* reused);
  void Return(size_t /*index*/, Connection&& c) { Close(c); }
  static void Close(Connection& c) { c.close(); }

  // Everything the exchange wrote to its upstream connections, in order.
  std::string sent() const;

 private:
  boost::asio::io_context& ioc_;
  std::string_view response_;
  bool pretend_pooled_;
  std::list<Connection> peers_;  // the upstream ends; they keep what the exchange wrote
};

}  // namespace keyward
