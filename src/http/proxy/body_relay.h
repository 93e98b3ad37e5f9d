// Moving message bodies through the proxy in fixed pieces (never the whole body): writing a piece
// as it is or as one chunk of a chunked body, and reading a request body from the client into a
// caller's buffer piece by piece. Coroutines on the thread that owns the streams; failures are the
// streams' error codes (or the sink's, or http::error::body_limit).
#pragma once

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <charconv>
#include <string_view>

#include "http/wire/connection_control.h"

namespace keyward {

// The size of the relay buffer, and of the pieces a body moves in.
inline constexpr size_t kRelayChunk = 64 * 1024;

template <class Stream>
boost::asio::awaitable<boost::system::error_code> WriteAll(Stream& s, std::string_view data) {
  auto [ec, n] =
      co_await boost::asio::async_write(s, boost::asio::buffer(data.data(), data.size()),
                                        boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

// Writes one chunk of a chunked body ("<hex>\r\n<data>\r\n").
template <class Stream>
boost::asio::awaitable<boost::system::error_code> WriteChunk(Stream& s, std::string_view data) {
  char size[20];
  auto [end, ec0] = std::to_chars(size, size + sizeof(size) - 2, data.size(), 16);
  *end++ = '\r';
  *end++ = '\n';
  std::array<boost::asio::const_buffer, 3> bufs{
      boost::asio::buffer(size, static_cast<size_t>(end - size)),
      boost::asio::buffer(data.data(), data.size()), boost::asio::buffer("\r\n", 2)};
  auto [ec, n] =
      co_await boost::asio::async_write(s, bufs, boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return ec;
}

// Reads the rest of the request body through `buf` (kRelayChunk bytes), handing each piece to
// `sink` (an awaitable returning an error_code) and extending the client's deadline by `extend`
// seconds per piece. Returns the first error: the client's, http::error::body_limit, or the
// sink's (then *sink_failed is set).
template <class Stream, class Sink>
boost::asio::awaitable<boost::system::error_code> ReadBody(
    Stream& client, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::buffer_body>& p, char* buf, Sink& sink,
    ConnectionControl& control, int64_t extend, bool* sink_failed) {
  namespace http = boost::beast::http;
  while (!p.is_done()) {
    p.get().body().data = buf;
    p.get().body().size = kRelayChunk;
    auto [ec, n] = co_await http::async_read(client, buffer, p,
                                             boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return ec;
    const size_t got = kRelayChunk - p.get().body().size;
    control.ExtendDeadline(extend);
    if (got == 0) continue;
    if (boost::system::error_code sec = co_await sink(std::string_view(buf, got))) {
      *sink_failed = true;
      co_return sec;
    }
  }
  co_return boost::system::error_code{};
}

}  // namespace keyward
