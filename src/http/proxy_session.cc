// The proxy's I/O for one request: admission, idempotency, upstream connection (pooled), request
// and response streaming in 64 KiB pieces, error answers. See proxy.h for the decisions.
#include "http/proxy_session.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "http/errors.h"
#include "http/proxy_internal.h"
#include "http/request_auth.h"
#include "http/request_id.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using error_code = boost::system::error_code;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr size_t kChunk = 64 * 1024;

// Cancels the watched upstream socket when an armed period runs out. Re-armed around every
// upstream operation; a period that ended (Disarm) can no longer fire.
class UpstreamTimer {
 public:
  UpstreamTimer(const asio::any_io_executor& ex, std::chrono::seconds period)
      : timer_(ex), period_(period), shared_(std::make_shared<Shared>()) {}
  ~UpstreamTimer() { shared_->socket = nullptr; }
  UpstreamTimer(const UpstreamTimer&) = delete;
  UpstreamTimer& operator=(const UpstreamTimer&) = delete;

  void Watch(tcp::socket* socket) { shared_->socket = socket; }
  void Arm() {
    const uint64_t generation = ++shared_->generation;
    shared_->armed = true;
    timer_.expires_after(period_);
    timer_.async_wait([shared = shared_, generation](const error_code& ec) {
      if (ec || !shared->armed || shared->generation != generation || !shared->socket) return;
      shared->fired = true;
      error_code ignored;
      shared->socket->cancel(ignored);
    });
  }
  void Disarm() { shared_->armed = false; }
  bool fired() const { return shared_->fired; }

 private:
  struct Shared {
    tcp::socket* socket = nullptr;
    uint64_t generation = 0;
    bool armed = false;
    bool fired = false;
  };
  asio::steady_timer timer_;
  std::chrono::seconds period_;
  std::shared_ptr<Shared> shared_;
};

// An idle pooled connection is reusable when the upstream has neither closed it nor sent
// anything unasked.
bool LooksOpen(tcp::socket& s) {
  char c;
  const ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void CloseQuietly(tcp::socket& s) {
  error_code ignored;
  s.shutdown(tcp::socket::shutdown_both, ignored);
  s.close(ignored);
}

std::string LogSafe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200))
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  return out;
}

// Status line, headers and body of a response keyward answers itself (errors, sandbox files,
// replays), as server.cc writes its own.
std::string SerializeLocal(const HttpResponse& res, std::string_view request_id, unsigned version,
                           bool keep_alive) {
  std::string out;
  out.reserve(256 + res.headers.size() + res.body.size());
  out.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ");
  out.append(http::obsolete_reason(static_cast<http::status>(res.status)));
  out.append("\r\nContent-Type: ").append(res.content_type);
  out.append("\r\nX-Request-Id: ").append(request_id);
  out.append("\r\nContent-Length: ").append(std::to_string(res.body.size()));
  if (!keep_alive) {
    out.append("\r\nConnection: close");
  } else if (version < 11) {
    out.append("\r\nConnection: keep-alive");
  }
  out.append("\r\n").append(res.headers).append("\r\n").append(res.body);
  return out;
}

// Progress: the client connection's deadline moves `extend` seconds ahead.
void Touch(const ProxyContext& ctx, int64_t extend) {
  if (ctx.deadline && ctx.now) *ctx.deadline = *ctx.now + extend;
}

template <class Stream>
awaitable<error_code> WriteAll(Stream& s, std::string_view data) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(data.data(), data.size()), kTuple);
  co_return ec;
}

// Writes one chunk of a chunked body ("<hex>\r\n<data>\r\n").
template <class Stream>
awaitable<error_code> WriteChunk(Stream& s, std::string_view data) {
  char size[20];
  auto [end, ec0] = std::to_chars(size, size + sizeof(size) - 2, data.size(), 16);
  *end++ = '\r';
  *end++ = '\n';
  std::array<asio::const_buffer, 3> bufs{asio::buffer(size, static_cast<size_t>(end - size)),
                                         asio::buffer(data.data(), data.size()),
                                         asio::buffer("\r\n", 2)};
  auto [ec, n] = co_await asio::async_write(s, bufs, kTuple);
  co_return ec;
}

// Reads the rest of the request body through `buf`, handing each piece to `sink` (an awaitable
// returning an error_code). Returns the first error: the client's, http::error::body_limit, or
// the sink's (then *sink_failed is set).
template <class Stream, class Sink>
awaitable<error_code> ReadBody(Stream& client, beast::flat_buffer& buffer,
                               http::request_parser<http::buffer_body>& p, char* buf, Sink& sink,
                               const ProxyContext& ctx, int64_t extend, bool* sink_failed) {
  while (!p.is_done()) {
    p.get().body().data = buf;
    p.get().body().size = kChunk;
    auto [ec, n] = co_await http::async_read(client, buffer, p, kTuple);
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return ec;
    const size_t got = kChunk - p.get().body().size;
    Touch(ctx, extend);
    if (got == 0) continue;
    if (error_code sec = co_await sink(std::string_view(buf, got))) {
      *sink_failed = true;
      co_return sec;
    }
  }
  co_return error_code{};
}

// After a response the client must not wait on: stop sending, then read (and drop) what the
// client still sends for a moment, so that it reads the answer instead of a reset.
template <class Stream>
awaitable<void> Linger(Stream& client) {
  error_code ec;
  beast::get_lowest_layer(client).shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 16384> sink;
  size_t drained = 0;
  while (drained < 4 * 1024 * 1024) {
    auto [rec, n] = co_await client.async_read_some(asio::buffer(sink), kTuple);
    if (rec) break;
    drained += n;
  }
}

// Everything about one proxied exchange.
template <class Stream>
class Exchange {
 public:
  Exchange(Proxy& proxy, Stream& client, beast::flat_buffer& buffer,
           http::request_parser<http::empty_body>& head, const ProxyContext& ctx)
      : st_(proxy.state()),
        client_(client),
        buffer_(buffer),
        p_(std::move(head)),
        ctx_(ctx),
        request_id_(NewRequestId(id_buffer_)),
        headers_(p_.get().base()),
        extend_(std::max<int64_t>(ctx.extend_seconds, st_.settings.timeout_seconds + 2)) {}

  awaitable<bool> Run();

 private:
  using Req = http::request<http::buffer_body>;
  Req& req() { return p_.get(); }

  HttpResponse WithLimits(HttpResponse res) const {
    if (admission_.verdict.ratelimit) AddRateLimitHeaders(res, *admission_.verdict.ratelimit);
    return res;
  }
  HttpResponse Err(ErrorCode code, std::string message) const {
    return WithLimits(ErrorResponse(Error(code, std::move(message)), request_id_));
  }
  void Log(int status) const {
    if (status >= 500) spdlog::error("request {} answered {}", request_id_, status);
    if (ctx_.access_log) {
      spdlog::info("access {} {} {} {} peer={} proxied", request_id_, p_.get().method_string(),
                   LogSafe(path_), status, ctx_.peer_text);
    }
  }

  // Answers `res` ourselves. Keeps the connection when the request's body has been (or can
  // cheaply be) read; otherwise says Connection: close and lingers.
  awaitable<bool> Local(HttpResponse res) {
    Log(res.status);
    bool keep = req().keep_alive() && !ctx_.stopping;
    if (keep && !p_.is_done()) {
      const bool small = p_.content_length() && *p_.content_length() <= 1024 * 1024;
      if (!small || expects_continue_) {
        keep = false;
      } else {
        std::array<char, 16384> sink;
        while (!p_.is_done()) {
          p_.get().body().data = sink.data();
          p_.get().body().size = sink.size();
          auto [ec, n] = co_await http::async_read(client_, buffer_, p_, kTuple);
          if (ec == http::error::need_buffer) continue;
          if (ec) co_return false;
        }
      }
    }
    const std::string out = SerializeLocal(res, request_id_, req().version(), keep);
    if (co_await WriteAll(client_, out)) co_return false;
    if (!keep) co_await Linger(client_);
    co_return keep;
  }

  // "100 Continue" once, when the client asked for it and its body is still to come.
  awaitable<error_code> Continue() {
    if (!expects_continue_ || continued_ || p_.is_done()) co_return error_code{};
    continued_ = true;
    co_return co_await WriteAll(client_, "HTTP/1.1 100 Continue\r\n\r\n");
  }

  // A live upstream connection: a pooled one that still looks open, else a new one.
  awaitable<error_code> Acquire(bool allow_pool) {
    WorkerPool& pool = *st_.pools[ctx_.worker];
    auto& idle = pool.idle[admission_.upstream];
    if (allow_pool) {
      while (!idle.empty()) {
        tcp::socket s = std::move(idle.back());
        idle.pop_back();
        if (LooksOpen(s)) {
          upstream_.emplace(std::move(s));
          reused_ = true;
          timer_->Watch(&*upstream_);
          co_return error_code{};
        }
        CloseQuietly(s);
      }
    }
    reused_ = false;
    error_code last = asio::error::host_not_found;
    for (const tcp::endpoint& ep : st_.upstreams[admission_.upstream].endpoints) {
      upstream_.emplace(client_.get_executor());
      timer_->Watch(&*upstream_);
      timer_->Arm();
      auto [ec] = co_await upstream_->async_connect(ep, kTuple);
      timer_->Disarm();
      if (!ec) {
        error_code ignored;
        upstream_->set_option(tcp::no_delay(true), ignored);
        co_return error_code{};
      }
      CloseQuietly(*upstream_);
      upstream_.reset();
      if (timer_->fired()) co_return asio::error::timed_out;
      last = ec;
    }
    co_return last;
  }

  void DropUpstream() {
    if (upstream_) CloseQuietly(*upstream_);
    upstream_.reset();
  }

  void ReleaseClaim() {
    if (!claimed_) return;
    claimed_ = false;
    if (Status s = st_.api.services().idempotency().Release(admission_.idempotency_scope,
                                                            idempotency_key_);
        !s.ok()) {
      spdlog::warn("request {}: could not release its Idempotency-Key: {}", request_id_,
                   s.error().message());
    }
  }

  awaitable<error_code> SendHead(const std::string& head) {
    timer_->Arm();
    std::array<asio::const_buffer, 2> bufs{
        asio::buffer(head), asio::buffer(buffered_ ? std::string_view(*buffered_) : "")};
    auto [ec, n] = co_await asio::async_write(*upstream_, bufs, kTuple);
    timer_->Disarm();
    co_return ec;
  }

  // (No conditional expressions around co_await here and below: GCC 12 mishandles temporaries
  // in them inside coroutines.)
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

  Proxy::State& st_;
  Stream& client_;
  beast::flat_buffer& buffer_;
  http::request_parser<http::buffer_body> p_;
  const ProxyContext& ctx_;
  RequestIdBuffer id_buffer_;
  std::string_view request_id_;
  FieldsHeaders headers_;
  std::string_view path_;
  Admission admission_;
  bool expects_continue_ = false;
  bool continued_ = false;
  std::optional<std::string> buffered_;  // the request body, when read before forwarding
  bool claimed_ = false;
  std::string idempotency_key_;
  std::optional<UpstreamTimer> timer_;
  std::optional<tcp::socket> upstream_;
  bool reused_ = false;
  int64_t extend_;  // the client deadline covers the upstream's timeout as well
};

template <class Stream>
awaitable<bool> Exchange<Stream>::Run() {
  Services& sv = st_.api.services();
  const std::string_view target = req().target();
  path_ = target.substr(0, target.find('?'));
  HttpRequest hreq;
  hreq.method = req().method_string();
  hreq.target = target;
  hreq.path = path_;
  if (const size_t q = target.find('?'); q != std::string_view::npos)
    hreq.query = target.substr(q + 1);
  hreq.headers = &headers_;
  hreq.peer = ctx_.peer;
  hreq.peer_text = ctx_.peer_text;
  hreq.tls = ctx_.tls;
  hreq.request_id = request_id_;
  if (auto expect = hreq.Header("expect")) {
    expects_continue_ = beast::iequals(*expect, "100-continue");
  }

  if (auto why = CheckTarget(target)) {
    co_return co_await Local(ErrorResponse(InvalidRequest(*why), request_id_));
  }
  admission_ = Admit(st_, hreq);
  if (admission_.refusal) co_return co_await Local(*admission_.refusal);
  if (admission_.sandbox_body) {
    HttpResponse res;
    res.body = *admission_.sandbox_body;
    co_return co_await Local(WithLimits(std::move(res)));
  }
  if (p_.content_length() && *p_.content_length() > st_.settings.max_body) {
    co_return co_await Local(
        Err(ErrorCode::kPayloadTooLarge, "The request body is over the proxy's limit of " +
                                             std::to_string(st_.settings.max_body) + " bytes."));
  }
  p_.body_limit(st_.settings.max_body);
  std::unique_ptr<char[]> buf;  // the 64 KiB relay buffer, only when a body moves
  auto relay = [&buf] {
    if (!buf) buf.reset(new char[kChunk]);
    return buf.get();
  };

  // Idempotency-Key on a POST (API.md 1.4): read the body, claim, or replay.
  if (req().method() == http::verb::post && !admission_.idempotency_scope.empty()) {
    if (auto key = hreq.Header("idempotency-key")) {
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
      error_code ec =
          co_await ReadBody(client_, buffer_, p_, relay(), append, ctx_, extend_, &sink_failed);
      if (ec == http::error::body_limit) {
        co_return co_await Local(Err(ErrorCode::kPayloadTooLarge, too_large));
      }
      if (ec) co_return false;
      IdempotencyService& idem = sv.idempotency();
      const Digest fingerprint =
          IdempotencyService::Fingerprint(hreq.method, hreq.target, *buffered_);
      auto start = idem.Begin(admission_.idempotency_scope, *key, fingerprint);
      if (!start.ok())
        co_return co_await Local(WithLimits(ErrorResponse(start.error(), request_id_)));
      switch (start->outcome) {
        case IdempotencyOutcome::kMismatch:
          co_return co_await Local(Err(ErrorCode::kIdempotencyKeyReused,
                                       "This Idempotency-Key was used with a different request."));
        case IdempotencyOutcome::kInProgress:
          co_return co_await Local(Err(ErrorCode::kIdempotencyInProgress,
                                       "A request with this Idempotency-Key is still running."));
        case IdempotencyOutcome::kReplay: {
          HttpResponse res;
          res.status = start->status;
          if (!DecodeStoredResponse(start->body, &res.content_type, &res.body)) {
            res.body = std::move(start->body);
          }
          res.Add("Idempotent-Replayed", "true");
          co_return co_await Local(WithLimits(std::move(res)));
        }
        case IdempotencyOutcome::kProceed:
          claimed_ = true;
          idempotency_key_ = std::string(*key);
          break;
      }
    }
  }

  // The upstream: connect (or reuse), then charge — an unreachable upstream costs nothing.
  timer_.emplace(client_.get_executor(), std::chrono::seconds(st_.settings.timeout_seconds));
  if (error_code ec = co_await Acquire(/*allow_pool=*/true)) {
    spdlog::warn("request {}: upstream {} unreachable: {}", request_id_,
                 st_.upstreams[admission_.upstream].url, ec.message());
    co_return co_await UpstreamFailed(ec == asio::error::timed_out);
  }
  if (!sv.verifier().ChargeDeferred(admission_.verdict)) {
    WorkerPool& pool = *st_.pools[ctx_.worker];
    pool.idle[admission_.upstream].push_back(std::move(*upstream_));
    upstream_.reset();
    ReleaseClaim();
    co_return co_await Local(Err(ErrorCode::kQuotaExceeded, admission_.verdict.message));
  }

  std::string framing;
  const bool chunked_in = !buffered_ && !p_.is_done() && p_.chunked();
  if (buffered_) {
    framing = "Content-Length: " + std::to_string(buffered_->size()) + "\r\n";
  } else if (p_.content_length()) {
    framing = "Content-Length: " + std::to_string(*p_.content_length()) + "\r\n";
  } else if (chunked_in) {
    framing = "Transfer-Encoding: chunked\r\n";
  }
  const tcp::endpoint& ep = st_.upstreams[admission_.upstream].endpoints.front();
  const std::string host_fallback =
      (ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string()) +
      ":" + std::to_string(ep.port());
  const std::string head =
      UpstreamRequestHead(req().base(), req().method_string(), target, admission_, ctx_.peer_text,
                          ctx_.tls, request_id_, host_fallback, framing);
  const bool replayable = p_.is_done() || buffered_.has_value();  // nothing streamed yet

  if (error_code ec = co_await SendHead(head)) {
    if (!reused_ || !replayable) co_return co_await UpstreamFailed(timer_->fired());
    DropUpstream();  // the pooled connection died meanwhile: one fresh attempt
    if (error_code cec = co_await Acquire(/*allow_pool=*/false)) {
      co_return co_await UpstreamFailed(cec == asio::error::timed_out);
    }
    if (co_await SendHead(head)) co_return co_await UpstreamFailed(timer_->fired());
  }

  // The request body, streamed.
  if (!p_.is_done()) {
    if (co_await Continue()) {
      DropUpstream();
      co_return false;
    }
    auto forward = [this, chunked_in](std::string_view piece) -> awaitable<error_code> {
      timer_->Arm();
      error_code ec;
      if (chunked_in) {
        ec = co_await WriteChunk(*upstream_, piece);
      } else {
        ec = co_await WriteAll(*upstream_, piece);
      }
      timer_->Disarm();
      co_return ec;
    };
    bool upstream_broke = false;
    error_code ec =
        co_await ReadBody(client_, buffer_, p_, relay(), forward, ctx_, extend_, &upstream_broke);
    if (!ec && chunked_in) {
      timer_->Arm();
      ec = co_await WriteAll(*upstream_, "0\r\n\r\n");
      timer_->Disarm();
      upstream_broke = static_cast<bool>(ec);
    }
    if (ec) {
      if (upstream_broke) co_return co_await UpstreamFailed(timer_->fired());
      DropUpstream();
      ReleaseClaim();
      if (ec == http::error::body_limit) {
        co_return co_await Local(Err(ErrorCode::kPayloadTooLarge,
                                     "The request body is over the proxy's limit of " +
                                         std::to_string(st_.settings.max_body) + " bytes."));
      }
      co_return false;  // the client went away
    }
  }

  // The response head (interim 1xx answers are dropped).
  beast::flat_buffer ubuf;
  std::optional<http::response_parser<http::buffer_body>> rp;
  Touch(ctx_, extend_);
  for (int attempt = 0;; ++attempt) {
    rp.emplace();
    rp->body_limit(boost::none);
    rp->header_limit(64 * 1024);
    if (req().method() == http::verb::head) rp->skip(true);
    timer_->Arm();
    auto [ec, n] = co_await http::async_read_header(*upstream_, ubuf, *rp, kTuple);
    timer_->Disarm();
    if (ec) {
      const bool closed_early = ec == http::error::end_of_stream || ec == asio::error::eof ||
                                ec == asio::error::connection_reset;
      if (attempt == 0 && reused_ && replayable && closed_early && !timer_->fired()) {
        DropUpstream();  // a pooled connection the upstream closed as we used it: once more
        if (error_code cec = co_await Acquire(/*allow_pool=*/false)) {
          co_return co_await UpstreamFailed(cec == asio::error::timed_out);
        }
        if (co_await SendHead(head)) co_return co_await UpstreamFailed(timer_->fired());
        ubuf.clear();
        continue;
      }
      spdlog::warn("request {}: upstream {} gave no answer: {}", request_id_,
                   st_.upstreams[admission_.upstream].url,
                   timer_->fired() ? std::string("timed out") : ec.message());
      co_return co_await UpstreamFailed(timer_->fired());
    }
    const int status = rp->get().result_int();
    if (status >= 100 && status < 200 && status != 101) continue;
    if (status == 101) co_return co_await UpstreamFailed(false);  // we never ask to upgrade
    break;
  }

  auto& res = rp->get();
  const int status = res.result_int();
  const bool no_body = req().method() == http::verb::head || status == 204 || status == 304;
  bool keep = req().keep_alive() && !ctx_.stopping;
  bool chunked_out = false;
  std::string out;
  out.reserve(1024);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(res.reason().empty() ? http::obsolete_reason(res.result()) : res.reason());
  out.append("\r\n");
  out.append(ClientResponseFields(res.base()));
  out.append("X-Request-Id: ").append(request_id_).append("\r\n");
  if (admission_.verdict.ratelimit) {
    HttpResponse tmp;
    AddRateLimitHeaders(tmp, *admission_.verdict.ratelimit);
    out.append(tmp.headers);
  }
  if (no_body) {
    if (auto it = res.find(http::field::content_length); it != res.end()) {
      out.append("Content-Length: ").append(it->value()).append("\r\n");
    }
  } else if (rp->content_length()) {
    out.append("Content-Length: ").append(std::to_string(*rp->content_length())).append("\r\n");
  } else if (rp->is_done()) {
    out.append("Content-Length: 0\r\n");
  } else if (req().version() >= 11) {
    chunked_out = true;
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    keep = false;  // an HTTP/1.0 client learns the end from the close
  }
  if (!keep) {
    out.append("Connection: close\r\n");
  } else if (req().version() < 11) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  Touch(ctx_, extend_);
  if (co_await WriteAll(client_, out)) {
    DropUpstream();
    ReleaseClaim();
    co_return false;
  }

  // The response body, streamed (and kept for an idempotent replay while it is small).
  std::string stored;
  bool storable = claimed_;
  while (!rp->is_done()) {
    rp->get().body().data = relay();
    rp->get().body().size = kChunk;
    timer_->Arm();
    auto [ec, n] = co_await http::async_read(*upstream_, ubuf, *rp, kTuple);
    timer_->Disarm();
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {  // the upstream broke off (or stalled) mid-body: the client sees a cut response
      spdlog::warn("request {}: upstream {} broke off the response: {}", request_id_,
                   st_.upstreams[admission_.upstream].url,
                   timer_->fired() ? std::string("timed out") : ec.message());
      DropUpstream();
      ReleaseClaim();
      co_return false;
    }
    const size_t got = kChunk - rp->get().body().size;
    if (got == 0) continue;
    std::string_view piece(buf.get(), got);
    if (storable) {
      if (stored.size() + got > Proxy::kStoredResponseLimit) {
        storable = false;
        std::string().swap(stored);
      } else {
        stored.append(piece);
      }
    }
    Touch(ctx_, extend_);
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

  if (claimed_) {
    claimed_ = false;
    IdempotencyService& idem = sv.idempotency();
    Status s = Status::Ok();
    if (storable && status < 500) {
      std::string content_type(res[http::field::content_type]);
      s = idem.Complete(admission_.idempotency_scope, idempotency_key_, status,
                        EncodeStoredResponse(content_type, stored));
    } else {
      s = idem.Release(admission_.idempotency_scope, idempotency_key_);
    }
    if (!s.ok()) {
      spdlog::warn("request {}: could not record its Idempotency-Key: {}", request_id_,
                   s.error().message());
    }
  }

  // Back to the pool when the upstream keeps the connection and nothing is left over.
  WorkerPool& pool = *st_.pools[ctx_.worker];
  auto& idle = pool.idle[admission_.upstream];
  if (res.keep_alive() && rp->is_done() && ubuf.size() == 0 && !ctx_.stopping &&
      idle.size() < st_.settings.max_idle_per_worker) {
    idle.push_back(std::move(*upstream_));
    upstream_.reset();
  } else {
    DropUpstream();
  }
  co_return keep;
}

}  // namespace

// GCC 12 with sanitizers reports -Wmismatched-new-delete for Asio's awaitable frames here: it
// sees the frame's aligned_new and the frame's operator delete, not the aligned_delete behind it.
// A false positive; the pair is Asio's own.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
template <class Stream>
awaitable<bool> ServeProxied(Proxy& proxy, Stream& client, beast::flat_buffer& buffer,
                             http::request_parser<http::empty_body>& head,
                             const ProxyContext& ctx) {
  Exchange<Stream> exchange(proxy, client, buffer, head, ctx);
  co_return co_await exchange.Run();
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

template awaitable<bool> ServeProxied<tcp::socket>(Proxy&, tcp::socket&, beast::flat_buffer&,
                                                   http::request_parser<http::empty_body>&,
                                                   const ProxyContext&);
template awaitable<bool> ServeProxied<asio::ssl::stream<tcp::socket>>(
    Proxy&, asio::ssl::stream<tcp::socket>&, beast::flat_buffer&,
    http::request_parser<http::empty_body>&, const ProxyContext&);

}  // namespace keyward
