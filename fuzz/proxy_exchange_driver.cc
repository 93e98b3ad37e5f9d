#include "proxy_exchange_driver.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/http/read.hpp>

#include "http/proxy/exchange_impl.h"
#include "memory_upstreams.h"

namespace keyward {
namespace {

// A connection without deadlines that never drains.
class UnboundedConnection final : public ConnectionControl {
 public:
  void ExtendDeadline(int64_t) override {}
  bool Draining() const override { return false; }
};

}  // namespace

ProxyExchangeOutput TEST_ProxyExchange(Proxy& proxy, std::string_view client_bytes,
                                       std::string_view upstream_bytes, bool first_pooled) {
  namespace http = boost::beast::http;
  boost::asio::io_context ioc{1};
  boost::beast::test::stream client(ioc);
  boost::beast::test::stream remote(ioc);  // the client's end: collects what it receives
  client.connect(remote);
  client.append(client_bytes);
  client.close_remote();
  MemoryUpstreams upstreams(ioc, upstream_bytes, first_pooled);
  UnboundedConnection control;
  const Peer peer{*ParseIp("127.0.0.1"), "127.0.0.1", false};
  const ClientSide side{peer, control, false};
  boost::asio::co_spawn(
      ioc,
      [&]() -> boost::asio::awaitable<void> {
        boost::beast::flat_buffer buffer;
        for (;;) {
          http::request_parser<http::empty_body> head;
          head.header_limit(16 * 1024);
          head.body_limit(proxy.max_body());
          auto [ec, n] = co_await http::async_read_header(
              client, buffer, head, boost::asio::as_tuple(boost::asio::use_awaitable));
          if (ec) break;
          if (!co_await ServeProxied(proxy, client, buffer, head, upstreams, side)) break;
        }
      },
      boost::asio::detached);
  ioc.run();
  return {std::string(remote.str()), upstreams.sent()};
}

}  // namespace keyward
