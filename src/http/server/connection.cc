#include "http/server/connection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>

#include "core/https_policy.h"
#include "http/errors.h"
#include "http/proxy/exchange.h"
#include "http/proxy/upstream_pool.h"
#include "http/request_id.h"
#include "http/wire/header_view.h"
#include "http/wire/response_writer.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;
using asio::awaitable;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Proxy mode serves the real listeners' streams (an in-memory one has no upstream pool).
template <class Stream>
constexpr bool kCanProxy = std::is_same_v<Stream, tcp::socket> || std::is_same_v<Stream, TlsStream>;

// The end of a connection rather than a malformed request.
bool IsDisconnect(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == asio::ssl::error::stream_truncated ||
         ec.category() == asio::error::get_ssl_category();
}

// The answer to a request that could not be read.
Error ReadError(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return Error(ErrorCode::kHeadersTooLarge);
  if (ec == http::error::body_limit) return Error(ErrorCode::kPayloadTooLarge);
  return InvalidRequest("The HTTP request is malformed.");
}

template <class Stream>
class Connection {
 public:
  Connection(const ServeContext& ctx, Stream& stream, ConnectionSlot& slot, Peer peer)
      : ctx_(ctx),
        stream_(stream),
        slot_(slot),
        peer_(peer),
        refuse_plain_(HttpsRequired(!ctx.settings.listen_tls.empty(), peer.tls, peer.address,
                                    ctx.settings.plain_http_allowed)) {}

  // (The request path awaits only I/O and the blocking pool: no nested coroutine frames.)
  awaitable<void> Run() {
    while (!ctx_.stopping) {
      if (buffer_.size() == 0) {  // keep-alive: wait for the first byte of the next request
        slot_.idle = true;
        slot_.deadline = slot_.now() + idle_;
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(4096), kTuple);
        slot_.idle = false;
        if (ec) break;
        buffer_.commit(n);
      }
      slot_.idle = false;
      // The head first: a proxied request streams its body (proxy.max_body); keyward's own
      // endpoints read theirs whole (server.max_body_bytes).
      http::request_parser<http::empty_body> head;
      head.header_limit(static_cast<std::uint32_t>(ctx_.settings.max_header_bytes));
      head.body_limit(ctx_.proxy ? std::max<uint64_t>(max_body(), ctx_.proxy->max_body())
                                 : max_body());
      slot_.deadline = slot_.now() + read_;
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, head, kTuple);
      if constexpr (kCanProxy<Stream>) {
        if (!ec && ctx_.proxy && ctx_.proxy->Handles(TargetPath(head.get().target()))) {
          if (!co_await Proxied(head)) break;
          continue;
        }
      }
      std::optional<http::request_parser<http::string_body>> full;
      if (!ec) ec = StartBody(head, full);
      if (!ec && !full->is_done()) {  // a GET is complete with its head: no extra async hop
        std::tie(ec, n) = co_await http::async_read(stream_, buffer_, *full, kTuple);
      }
      if (ec) {
        if (IsDisconnect(ec)) break;
        const std::string request_id = NewRequestId();
        slot_.deadline = slot_.now() + 5;
        co_await AnswerThenDrain(stream_, ErrorResponse(ReadError(ec), request_id), request_id, 11);
        co_return;
      }
      http::request<http::string_body> req = full->release();
      RequestIdBuffer id_buffer;
      const std::string_view request_id = NewRequestId(id_buffer);
      const FieldsView headers(req.base());
      HttpRequest hreq;
      ViewRequest(req.base(), req.body(), headers, peer_, request_id, &hreq);
      HttpResponse res;
      if (refuse_plain_ || !ctx_.api.IsBlocking(hreq)) {
        res = Handle(hreq);
      } else {
        res = co_await asio::co_spawn(
            ctx_.blocking, [&]() -> awaitable<HttpResponse> { co_return ctx_.api.Handle(hreq); },
            asio::use_awaitable);
      }
      Log(hreq, res.status);
      const bool again = req.keep_alive() && !ctx_.stopping;
      SerializeResponse(res, request_id, req.version(), again, &out_);
      slot_.deadline = slot_.now() + read_;
      auto [wec, wn] = co_await asio::async_write(stream_, asio::buffer(out_), kTuple);
      if (wec || !again) break;
    }
    ShutdownSend(stream_);
  }

 private:
  awaitable<bool> Proxied(http::request_parser<http::empty_body>& head) {
    TcpUpstreams upstreams(ctx_.proxy->state(), slot_.worker);
    const ClientSide side{peer_, slot_, ctx_.settings.access_log};
    co_return co_await ServeProxied(*ctx_.proxy, stream_, buffer_, head, upstreams, side);
  }

  // Moves the head into a parser for the whole request (keyward's own endpoints); body_limit when
  // the declared length is over server.max_body_bytes.
  boost::system::error_code StartBody(
      http::request_parser<http::empty_body>& head,
      std::optional<http::request_parser<http::string_body>>& full) {
    if (head.content_length() && *head.content_length() > max_body()) {
      return http::error::body_limit;
    }
    full.emplace(std::move(head));
    full->body_limit(max_body());
    return {};
  }

  HttpResponse Handle(const HttpRequest& req) {
    if (refuse_plain_) return ErrorResponse(Error(ErrorCode::kHttpsRequired), req.request_id);
    return ctx_.api.Handle(req);
  }

  void Log(const HttpRequest& req, int status) {
    if (status >= 500) spdlog::error("request {} answered {}", req.request_id, status);
    if (ctx_.settings.access_log) {
      // The path only: a query string or a header may carry a secret; never log them.
      spdlog::info("access {} {} {} {} peer={}", req.request_id, req.method, LogSafe(req.path),
                   status, peer_.text);
    }
  }

  size_t max_body() const { return ctx_.settings.max_body_bytes; }

  const ServeContext& ctx_;
  Stream& stream_;
  ConnectionSlot& slot_;
  const Peer peer_;
  const bool refuse_plain_;
  // Deadlines are whole seconds on the worker's coarse clock (+1: the tick may be just due).
  const int64_t idle_ = ctx_.settings.idle_timeout_seconds + 1;
  const int64_t read_ = ctx_.settings.read_timeout_seconds + 1;
  beast::flat_buffer buffer_;
  std::string out_;  // the serialised response, reused across requests
};

}  // namespace

template <class Stream>
awaitable<void> ServeConnection(const ServeContext& ctx, Stream& stream, ConnectionSlot& slot,
                                Peer peer) {
  Connection<Stream> connection(ctx, stream, slot, peer);
  co_await connection.Run();
}

template awaitable<void> ServeConnection(const ServeContext&, tcp::socket&, ConnectionSlot&, Peer);
template awaitable<void> ServeConnection(const ServeContext&, TlsStream&, ConnectionSlot&, Peer);
template awaitable<void> ServeConnection(const ServeContext&, beast::test::stream&, ConnectionSlot&,
                                         Peer);

}  // namespace keyward
