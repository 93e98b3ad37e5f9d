// One proxied exchange as named stages: AdmitRequest (target, credential, limits, sandbox file,
// body limit) → ReadOrBufferBody (Idempotency-Key: read the body, claim or replay) →
// AcquireAndCharge (an upstream connection, then the credits) → SendRequest (head with one retry on
// a dead pooled connection, body streamed) → ReadResponseHead (1xx dropped, one retry) →
// RelayResponse (head and body to the client) → Finish (idempotency record, pool return).
// Each stage either hands on or ends the exchange with its answer.
//
// The definition of ServeProxied (exchange.h), for the translation units that instantiate it:
// exchange.cc for keyward's own streams, and the fuzzer's driver (fuzz/proxy_exchange_driver.cc)
// for in-memory ones. Include it nowhere else.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/errors.h"
#include "http/idempotency_gate.h"
#include "http/proxy/body_relay.h"
#include "http/proxy/exchange.h"
#include "http/proxy/idempotency_claim.h"
#include "http/proxy/message_heads.h"
#include "http/proxy/upstream_pool.h"
#include "http/proxy_internal.h"
#include "http/request_auth.h"
#include "http/request_id.h"
#include "http/wire/header_view.h"
#include "http/wire/response_writer.h"

namespace keyward {
namespace exchange_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using error_code = boost::system::error_code;
using Done = std::optional<bool>;  // a stage's outcome: nullopt = go on, else the exchange's result
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

template <class Stream, class Upstreams>
class Exchange {
 public:
  Exchange(Proxy& proxy, Stream& client, beast::flat_buffer& buffer,
           http::request_parser<http::empty_body>& head, Upstreams& upstreams,
           const ClientSide& side)
      : st_(proxy.state()),
        client_(client),
        buffer_(buffer),
        p_(std::move(head)),
        upstreams_(upstreams),
        side_(side),
        request_id_(NewRequestId(id_buffer_)),
        headers_(p_.get().base()),
        extend_(st_.settings.timeout_seconds + 2) {}

  // (No conditional expressions around co_await here and below: GCC 12 mishandles temporaries
  // in them inside coroutines.)
  awaitable<bool> Run() {
    Done done = co_await AdmitRequest();
    if (!done) done = co_await ReadOrBufferBody();
    if (!done) done = co_await AcquireAndCharge();
    if (!done) done = co_await SendRequest();
    if (!done) done = co_await ReadResponseHead();
    if (!done) done = co_await RelayResponse();
    co_return *done;
  }

 private:
  using Connection = typename Upstreams::Connection;
  http::request<http::buffer_body>& req() { return p_.get(); }

  // The target's shape, the credential, permission and limits (proxy.cc's Admit), a sandbox
  // route's file, and the body limit.
  awaitable<Done> AdmitRequest() {
    ViewRequest(req().base(), {}, headers_, side_.peer, request_id_, &hreq_);
    if (auto expect = hreq_.Header("expect")) {
      expects_continue_ = beast::iequals(*expect, "100-continue");
    }
    if (auto why = CheckTarget(hreq_.target)) {
      co_return co_await Local(ErrorResponse(InvalidRequest(*why), request_id_));
    }
    admission_ = Admit(st_, hreq_);
    if (admission_.refusal) co_return co_await Local(*admission_.refusal);
    if (admission_.sandbox_body) {
      HttpResponse res;
      res.body = *admission_.sandbox_body;
      co_return co_await Local(WithLimits(std::move(res)));
    }
    if (p_.content_length() && *p_.content_length() > st_.settings.max_body) {
      co_return co_await Local(Err(ErrorCode::kPayloadTooLarge, BodyOverProxyLimit()));
    }
    p_.body_limit(st_.settings.max_body);
    co_return Done();
  }

  // Idempotency-Key on a POST (API.md 1.4): the body is read first (at most
  // kIdempotentBodyLimit), then the key is claimed, or the stored answer replayed.
  awaitable<Done> ReadOrBufferBody() {
    if (req().method() != http::verb::post || admission_.idempotency_scope.empty()) {
      co_return Done();
    }
    const std::optional<std::string_view> key = hreq_.Header("idempotency-key");
    if (!key) co_return Done();
    if (Status s = IdempotencyService::ValidateKey(*key); !s.ok()) {
      co_return co_await Local(WithLimits(ErrorResponse(s.error(), request_id_)));
    }
    const std::string too_large = "A request with an Idempotency-Key carries at most " +
                                  std::to_string(Proxy::kIdempotentBodyLimit) + " bytes.";
    if (p_.content_length() && *p_.content_length() > Proxy::kIdempotentBodyLimit) {
      co_return co_await Local(Err(ErrorCode::kPayloadTooLarge, too_large));
    }
    if (co_await Continue()) co_return false;
    buffered_.emplace();
    auto append = [this](std::string_view piece) -> awaitable<error_code> {
      if (buffered_->size() + piece.size() > Proxy::kIdempotentBodyLimit) {
        co_return http::error::body_limit;
      }
      buffered_->append(piece);
      co_return error_code{};
    };
    bool sink_failed = false;
    error_code ec = co_await ReadBody(client_, buffer_, p_, Relay(), append, side_.control, extend_,
                                      &sink_failed);
    if (ec == http::error::body_limit) {
      co_return co_await Local(Err(ErrorCode::kPayloadTooLarge, too_large));
    }
    if (ec) co_return false;
    auto answer = ClaimIdempotencyKey(st_.api.services().idempotency(),
                                      admission_.idempotency_scope, *key, hreq_, *buffered_);
    if (answer) co_return co_await Local(WithLimits(std::move(*answer)));
    claimed_ = true;
    idempotency_key_ = std::string(*key);
    co_return Done();
  }

  // The upstream: connect (or reuse), then charge — an unreachable upstream costs nothing.
  awaitable<Done> AcquireAndCharge() {
    timer_.emplace(client_.get_executor(), std::chrono::seconds(st_.settings.timeout_seconds));
    if (error_code ec = co_await Acquire(/*allow_pool=*/true)) {
      spdlog::warn("request {}: upstream {} unreachable: {}", request_id_, UpstreamUrl(),
                   ec.message());
      co_return co_await UpstreamFailed(ec == asio::error::timed_out);
    }
    if (!st_.api.services().verifier().ChargeDeferred(admission_.verdict)) {
      upstreams_.Return(admission_.upstream, std::move(*upstream_));
      upstream_.reset();
      ReleaseClaim();
      // QUOTA_EXCEEDED, or UNAVAILABLE when the shared meter did not answer.
      co_return co_await Local(Err(*admission_.verdict.error, admission_.verdict.message));
    }
    co_return Done();
  }

  // The request head (one fresh attempt when a pooled connection died meanwhile), then the body.
  awaitable<Done> SendRequest() {
    chunked_in_ = !buffered_ && !p_.is_done() && p_.chunked();
    head_ = UpstreamRequestHead(req().base(), req().method_string(), req().target(), admission_,
                                side_.peer.text, side_.peer.tls, request_id_,
                                HostFallback(st_.upstreams[admission_.upstream]),
                                RequestFraming(buffered_, p_.content_length(), chunked_in_));
    replayable_ = p_.is_done() || buffered_.has_value();  // nothing streamed yet
    if (error_code ec = co_await SendHead()) {
      if (!reused_ || !replayable_) co_return co_await UpstreamFailed(timer_->fired());
      DropUpstream();
      if (error_code cec = co_await Acquire(/*allow_pool=*/false)) {
        co_return co_await UpstreamFailed(cec == asio::error::timed_out);
      }
      if (co_await SendHead()) co_return co_await UpstreamFailed(timer_->fired());
    }
    if (p_.is_done()) co_return Done();
    co_return co_await StreamRequestBody();
  }

  awaitable<Done> StreamRequestBody() {
    if (co_await Continue()) {
      DropUpstream();
      co_return false;
    }
    auto forward = [this](std::string_view piece) -> awaitable<error_code> {
      timer_->Arm();
      error_code ec;
      if (chunked_in_) {
        ec = co_await WriteChunk(*upstream_, piece);
      } else {
        ec = co_await WriteAll(*upstream_, piece);
      }
      timer_->Disarm();
      co_return ec;
    };
    bool upstream_broke = false;
    error_code ec = co_await ReadBody(client_, buffer_, p_, Relay(), forward, side_.control,
                                      extend_, &upstream_broke);
    if (!ec && chunked_in_) {
      timer_->Arm();
      ec = co_await WriteAll(*upstream_, "0\r\n\r\n");
      timer_->Disarm();
      upstream_broke = static_cast<bool>(ec);
    }
    if (!ec) co_return Done();
    if (upstream_broke) co_return co_await UpstreamFailed(timer_->fired());
    DropUpstream();
    ReleaseClaim();
    if (ec == http::error::body_limit) {
      co_return co_await Local(Err(ErrorCode::kPayloadTooLarge, BodyOverProxyLimit()));
    }
    co_return false;  // the client went away
  }

  // The response head. Interim 1xx answers are dropped; a pooled connection that the upstream
  // closed as we used it gets one more attempt on a fresh one.
  awaitable<Done> ReadResponseHead() {
    side_.control.ExtendDeadline(extend_);
    for (int attempt = 0;; ++attempt) {
      rp_.emplace();
      rp_->body_limit(boost::none);
      rp_->header_limit(64 * 1024);
      if (req().method() == http::verb::head) rp_->skip(true);
      timer_->Arm();
      auto [ec, n] = co_await http::async_read_header(*upstream_, ubuf_, *rp_, kTuple);
      timer_->Disarm();
      if (ec) {
        const bool closed_early = ec == http::error::end_of_stream || ec == asio::error::eof ||
                                  ec == asio::error::connection_reset;
        if (attempt == 0 && reused_ && replayable_ && closed_early && !timer_->fired()) {
          DropUpstream();
          if (error_code cec = co_await Acquire(/*allow_pool=*/false)) {
            co_return co_await UpstreamFailed(cec == asio::error::timed_out);
          }
          if (co_await SendHead()) co_return co_await UpstreamFailed(timer_->fired());
          ubuf_.clear();
          continue;
        }
        spdlog::warn("request {}: upstream {} gave no answer: {}", request_id_, UpstreamUrl(),
                     timer_->fired() ? std::string("timed out") : ec.message());
        co_return co_await UpstreamFailed(timer_->fired());
      }
      const int status = rp_->get().result_int();
      if (status >= 100 && status < 200 && status != 101) continue;
      if (status == 101) co_return co_await UpstreamFailed(false);  // we never ask to upgrade
      co_return Done();
    }
  }

  // The response to the client: its head, then its body streamed (and kept for an idempotent
  // replay while it is small); then Finish.
  awaitable<Done> RelayResponse() {
    const int status = rp_->get().result_int();
    bool keep = req().keep_alive() && !side_.control.Draining();
    bool chunked_out = false;
    const std::string head =
        ClientResponseHead(*rp_, req().base(), request_id_, admission_, &keep, &chunked_out);
    side_.control.ExtendDeadline(extend_);
    if (co_await WriteAll(client_, head)) {
      DropUpstream();
      ReleaseClaim();
      co_return false;
    }
    std::string stored;
    bool storable = claimed_;
    while (!rp_->is_done()) {
      rp_->get().body().data = Relay();
      rp_->get().body().size = kRelayChunk;
      timer_->Arm();
      auto [ec, n] = co_await http::async_read(*upstream_, ubuf_, *rp_, kTuple);
      timer_->Disarm();
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {  // the upstream broke off (or stalled) mid-body: the client sees a cut response
        spdlog::warn("request {}: upstream {} broke off the response: {}", request_id_,
                     UpstreamUrl(), timer_->fired() ? std::string("timed out") : ec.message());
        DropUpstream();
        ReleaseClaim();
        co_return false;
      }
      const std::string_view piece(relay_.get(), kRelayChunk - rp_->get().body().size);
      if (piece.empty()) continue;
      Keep(piece, &stored, &storable);
      side_.control.ExtendDeadline(extend_);
      error_code wec;
      if (chunked_out) {
        wec = co_await WriteChunk(client_, piece);
      } else {
        wec = co_await WriteAll(client_, piece);
      }
      if (wec) {
        DropUpstream();
        ReleaseClaim();
        co_return false;
      }
    }
    if (chunked_out && co_await WriteAll(client_, "0\r\n\r\n")) keep = false;
    Log(status);
    Finish(status, storable, stored);
    co_return keep;
  }

  // The Idempotency-Key's record (the answer stored, or the claim released), and the upstream
  // connection back to the pool when it stays open with nothing left over.
  void Finish(int status, bool storable, const std::string& stored) {
    const auto& res = rp_->get();
    if (claimed_) {
      claimed_ = false;
      std::optional<std::string> record;
      if (storable) {
        record = EncodeStoredResponse(std::string(res[http::field::content_type]), stored);
      }
      IdempotencyGate(st_.api.services().idempotency())
          .LeaveForwarded(admission_.idempotency_scope, idempotency_key_, status, record,
                          request_id_);
    }
    if (res.keep_alive() && rp_->is_done() && ubuf_.size() == 0 && !side_.control.Draining()) {
      upstreams_.Return(admission_.upstream, std::move(*upstream_));
      upstream_.reset();
    } else {
      DropUpstream();
    }
  }

  // Answers `res` ourselves. Keeps the connection when the request's body has been (or can
  // cheaply be) read; otherwise says Connection: close and drains.
  awaitable<bool> Local(HttpResponse res) {
    Log(res.status);
    bool keep = req().keep_alive() && !side_.control.Draining();
    if (keep && !p_.is_done()) {
      const bool small = p_.content_length() && *p_.content_length() <= 1024 * 1024;
      if (!small || expects_continue_) keep = false;
      std::array<char, 16384> sink;
      while (keep && !p_.is_done()) {
        p_.get().body().data = sink.data();
        p_.get().body().size = sink.size();
        auto [ec, n] = co_await http::async_read(client_, buffer_, p_, kTuple);
        if (ec == http::error::need_buffer) continue;
        if (ec) co_return false;
      }
    }
    if (!keep) {
      co_await AnswerThenDrain(client_, res, request_id_, req().version());
      co_return false;
    }
    std::string out;
    SerializeResponse(res, request_id_, req().version(), /*keep_alive=*/true, &out);
    const error_code ec = co_await WriteAll(client_, out);
    co_return !ec;
  }

  // "100 Continue" once, when the client asked for it and its body is still to come.
  awaitable<error_code> Continue() {
    if (!expects_continue_ || continued_ || p_.is_done()) co_return error_code{};
    continued_ = true;
    co_return co_await WriteAll(client_, "HTTP/1.1 100 Continue\r\n\r\n");
  }

  awaitable<error_code> Acquire(bool allow_pool) {
    return upstreams_.Acquire(client_.get_executor(), admission_.upstream, allow_pool, *timer_,
                              upstream_, &reused_);
  }

  awaitable<error_code> SendHead() {
    timer_->Arm();
    std::array<asio::const_buffer, 2> bufs{
        asio::buffer(head_), asio::buffer(buffered_ ? std::string_view(*buffered_) : "")};
    auto [ec, n] = co_await asio::async_write(*upstream_, bufs, kTuple);
    timer_->Disarm();
    co_return ec;
  }

  awaitable<bool> UpstreamFailed(bool timed_out) {
    DropUpstream();
    ReleaseClaim();
    HttpResponse res;
    if (timed_out) {
      res = Err(ErrorCode::kGatewayTimeout, "The upstream did not answer in time.");
    } else {
      res = Err(ErrorCode::kBadGateway, "The upstream is unreachable or broke off.");
    }
    co_return co_await Local(res);
  }

  void DropUpstream() {
    if (upstream_) Upstreams::Close(*upstream_);
    upstream_.reset();
  }

  void ReleaseClaim() {
    if (!claimed_) return;
    claimed_ = false;
    IdempotencyGate(st_.api.services().idempotency())
        .LeaveForwarded(admission_.idempotency_scope, idempotency_key_, 500, std::nullopt,
                        request_id_);
  }

  // A response piece kept for an idempotent replay while the whole stays within the limit.
  static void Keep(std::string_view piece, std::string* stored, bool* storable) {
    if (!*storable) return;
    if (stored->size() + piece.size() > Proxy::kStoredResponseLimit) {
      *storable = false;
      std::string().swap(*stored);
    } else {
      stored->append(piece);
    }
  }

  const std::string& UpstreamUrl() const { return st_.upstreams[admission_.upstream].url; }
  std::string BodyOverProxyLimit() const {
    return "The request body is over the proxy's limit of " +
           std::to_string(st_.settings.max_body) + " bytes.";
  }
  // The 64 KiB relay buffer, allocated only when a body moves.
  char* Relay() {
    if (!relay_) relay_.reset(new char[kRelayChunk]);
    return relay_.get();
  }
  HttpResponse WithLimits(HttpResponse res) const {
    if (admission_.verdict.ratelimit) AddRateLimitHeaders(res, *admission_.verdict.ratelimit);
    return res;
  }
  HttpResponse Err(ErrorCode code, std::string message) const {
    return WithLimits(ErrorResponse(Error(code, std::move(message)), request_id_));
  }
  void Log(int status) {
    if (status >= 500) spdlog::error("request {} answered {}", request_id_, status);
    if (side_.access_log) {
      spdlog::info("access {} {} {} {} peer={} proxied", request_id_, hreq_.method,
                   LogSafe(hreq_.path), status, side_.peer.text);
    }
  }

  Proxy::State& st_;
  Stream& client_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body> p_;
  Upstreams& upstreams_;
  const ClientSide& side_;
  RequestIdBuffer id_buffer_;
  std::string_view request_id_;
  FieldsView headers_;
  HttpRequest hreq_;
  const int64_t extend_;  // the client deadline covers the upstream's timeout as well
  Admission admission_;
  bool expects_continue_ = false;
  bool continued_ = false;
  std::optional<std::string> buffered_;  // the request body, when read before forwarding
  bool claimed_ = false;
  std::string idempotency_key_;
  std::unique_ptr<char[]> relay_;
  std::optional<UpstreamTimer> timer_;
  std::optional<Connection> upstream_;
  bool reused_ = false;
  bool chunked_in_ = false;
  bool replayable_ = false;
  std::string head_;  // the request head as sent upstream (kept for a retry)
  beast::flat_buffer ubuf_;
  std::optional<http::response_parser<http::buffer_body>> rp_;
};

}  // namespace exchange_detail

// GCC 12 with sanitizers reports -Wmismatched-new-delete for Asio's awaitable frames here: it
// sees the frame's aligned_new and the frame's operator delete, not the aligned_delete behind it.
// A false positive; the pair is Asio's own.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
template <class Stream, class Upstreams>
boost::asio::awaitable<bool> ServeProxied(
    Proxy& proxy, Stream& client, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::empty_body>& head, Upstreams& upstreams,
    const ClientSide& side) {
  exchange_detail::Exchange<Stream, Upstreams> exchange(proxy, client, buffer, head, upstreams,
                                                        side);
  co_return co_await exchange.Run();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace keyward
