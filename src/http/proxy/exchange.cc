// keyward's own instantiations of the proxy's exchange (exchange_impl.h): plain TCP and TLS
// client connections over the worker's pooled TCP upstreams.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "http/proxy/exchange_impl.h"

namespace keyward {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using TcpStream = asio::ip::tcp::socket;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;
using HeadParser = http::request_parser<http::empty_body>;

template asio::awaitable<bool> ServeProxied<TcpStream, TcpUpstreams>(Proxy&, TcpStream&,
                                                                     beast::flat_buffer&,
                                                                     HeadParser&, TcpUpstreams&,
                                                                     const ClientSide&);
template asio::awaitable<bool> ServeProxied<TlsStream, TcpUpstreams>(Proxy&, TlsStream&,
                                                                     beast::flat_buffer&,
                                                                     HeadParser&, TcpUpstreams&,
                                                                     const ClientSide&);

}  // namespace keyward
