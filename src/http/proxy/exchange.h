// The proxy's I/O for one request (see proxy.h for what is decided and charged): called by the
// server's connection loop once a request head has been read for a path that Proxy::Handles().
// Streams the request body to the upstream and the response body back through a fixed 64 KiB
// buffer (never the whole body), over the worker's pooled keep-alive upstream connections, in
// named stages (exchange_stages.h). Internal to http/. Runs on the worker's thread that owns
// `client`; failures are answered (400/413/502/504…) or end the connection, never thrown.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "http/proxy.h"
#include "http/wire/connection_control.h"
#include "http/wire/request_view.h"

namespace keyward {

// The client connection's side of an exchange.
struct ClientSide {
  const Peer& peer;
  ConnectionControl& control;  // deadline and drain, asked as the exchange goes
  bool access_log = false;
};

// Serves one proxied request whose head `head` has been read from `client` (bytes after it are in
// `buffer`), over `upstreams` (TcpUpstreams, or MemoryUpstreams in tests and fuzzing). Returns
// true when the client connection may carry another request. Defined in exchange_impl.h;
// instantiated in exchange.cc for tcp::socket and ssl::stream<tcp::socket> over TcpUpstreams, and
// by the fuzzer (fuzz/proxy_exchange_driver.cc) for beast::test::stream over MemoryUpstreams.
template <class Stream, class Upstreams>
boost::asio::awaitable<bool> ServeProxied(
    Proxy& proxy, Stream& client, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::empty_body>& head, Upstreams& upstreams,
    const ClientSide& side);

}  // namespace keyward
