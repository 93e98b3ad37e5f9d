// keyward's own instantiations of the proxy's exchange (exchange_impl.h): plain TCP and TLS
// client connections over the worker's pooled TCP upstreams.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "http/proxy/exchange_impl.h"

namespace keyward {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

#define KEYWARD_SERVE_PROXIED(Stream, Upstreams)                                                 \
  template asio::awaitable<bool> ServeProxied<Stream, Upstreams>(                                \
      Proxy&, Stream&, beast::flat_buffer&, http::request_parser<http::empty_body>&, Upstreams&, \
      const ClientSide&);
KEYWARD_SERVE_PROXIED(asio::ip::tcp::socket, TcpUpstreams)
KEYWARD_SERVE_PROXIED(asio::ssl::stream<asio::ip::tcp::socket>, TcpUpstreams)
#undef KEYWARD_SERVE_PROXIED

}  // namespace keyward
