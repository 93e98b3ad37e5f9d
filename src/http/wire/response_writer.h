// Writing keyward's own answers on a client connection, shared by the API server's connection loop
// and the proxy's exchange: the status line, headers and body in one buffer (one write, no
// per-field buffers), log-safe request lines, and answer-then-drain for an answer after which the
// connection closes (stop sending, then read and drop what the client still sends for a moment, so
// that it reads the answer instead of a reset). The coroutines run on the thread that owns the
// stream; the caller's connection deadline bounds them. Failures are the stream's error codes.
#pragma once

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "http/http_types.h"

namespace keyward {

// How much a closing connection reads (and drops) from the client after its answer.
inline constexpr size_t kDrainBytes = 8 * 1024 * 1024;

// Replaces `out` with the whole response: "HTTP/1.1 <status> <reason>", Content-Type, X-Request-Id,
// Content-Length, Connection (close when !keep_alive; keep-alive for an HTTP/1.0 client that
// keeps it), res.headers, the empty line and the body. Reuses out's capacity.
void SerializeResponse(const HttpResponse& res, std::string_view request_id, unsigned version,
                       bool keep_alive, std::string* out);

// A client-supplied string made safe for a JSON-lines log: printable ASCII only, no quotes or
// backslashes (each replaced by '?'), at most 200 characters.
std::string LogSafe(std::string_view s);

// Stops sending on the client connection. No TLS close_notify exchange (it would wait for the
// peer): every answer carries its length. An in-memory stream (tests, fuzzing) is closed.
template <class Stream>
void ShutdownSend(Stream& stream) {
  auto& lowest = boost::beast::get_lowest_layer(stream);
  using Lowest = std::remove_reference_t<decltype(lowest)>;
  if constexpr (std::is_same_v<Lowest, boost::asio::ip::tcp::socket>) {
    boost::system::error_code ignored;
    lowest.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  } else {
    lowest.close();
  }
}

// Stops sending, then reads and drops at most kDrainBytes of what the client still sends.
template <class Stream>
boost::asio::awaitable<void> Drain(Stream& stream) {
  ShutdownSend(stream);
  std::array<char, 16384> sink;
  size_t drained = 0;
  while (drained < kDrainBytes) {
    auto [ec, n] = co_await stream.async_read_some(
        boost::asio::buffer(sink), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) break;
    drained += n;
  }
}

// Answers `res` with Connection: close, then drains (only when the answer was written).
template <class Stream>
boost::asio::awaitable<void> AnswerThenDrain(Stream& stream, const HttpResponse& res,
                                             std::string_view request_id, unsigned version) {
  std::string out;
  SerializeResponse(res, request_id, version, /*keep_alive=*/false, &out);
  auto [ec, n] = co_await boost::asio::async_write(
      stream, boost::asio::buffer(out), boost::asio::as_tuple(boost::asio::use_awaitable));
  if (ec) {
    ShutdownSend(stream);
    co_return;
  }
  co_await Drain(stream);
}

}  // namespace keyward
