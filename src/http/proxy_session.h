// The proxy's I/O for one request (see proxy.h for what is decided and charged): called by the
// server's connection loop once a request head has been read for a path that Proxy::Handles().
// Streams the request body to the upstream and the response body back through fixed 64 KiB
// buffers (never the whole body), over the worker's pooled keep-alive upstream connections.
// Internal to http/. Runs on the worker's thread that owns `client`.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/cidr.h"
#include "http/proxy.h"

namespace keyward {

struct ProxyContext {
  size_t worker = 0;             // index of the worker (its connection pool)
  int64_t* deadline = nullptr;   // the client connection's deadline on the worker clock
  const int64_t* now = nullptr;  // the worker clock (seconds)
  int64_t extend_seconds = 31;   // each bit of progress moves the deadline this far ahead
  IpAddress peer;
  std::string_view peer_text;
  bool tls = false;
  bool stopping = false;  // the server is draining: answer with Connection: close
  bool access_log = false;
};

// Serves one proxied request whose head `head` has been read from `client` (bytes after it are in
// `buffer`). Returns true when the client connection may carry another request.
// Instantiated for boost::asio::ip::tcp::socket in proxy_session.cc (add others there).
template <class Stream>
boost::asio::awaitable<bool> ServeProxied(
    Proxy& proxy, Stream& client, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::empty_body>& head,
    const ProxyContext& ctx);

}  // namespace keyward
