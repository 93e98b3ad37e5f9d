#include "http/server.h"

#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>
#ifdef KEYWARD_FUZZING
#include <boost/beast/_experimental/test/stream.hpp>
#endif

#include "core/https_policy.h"
#include "http/errors.h"
#include "http/proxy_session.h"
#include "http/request_id.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using TlsStream = ssl::stream<tcp::socket>;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

class BeastHeaders final : public HeaderSource {
 public:
  explicit BeastHeaders(const http::fields& f) : f_(f) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = f_.find(name);
    if (it == f_.end()) return std::nullopt;
    return it->value();
  }

 private:
  const http::fields& f_;
};

// Status line, headers and body in one buffer: one write, no per-field buffers.
void SerializeResponse(const HttpResponse& res, std::string_view request_id, unsigned version,
                       bool keep_alive, std::string* out) {
  out->clear();
  out->append("HTTP/1.1 ");
  char code[4] = {static_cast<char>('0' + res.status / 100 % 10),
                  static_cast<char>('0' + res.status / 10 % 10),
                  static_cast<char>('0' + res.status % 10), ' '};
  out->append(code, 4);
  out->append(http::obsolete_reason(static_cast<http::status>(res.status)));
  out->append("\r\nContent-Type: ").append(res.content_type);
  out->append("\r\nX-Request-Id: ").append(request_id);
  out->append("\r\nContent-Length: ").append(std::to_string(res.body.size()));
  if (!keep_alive) {
    out->append("\r\nConnection: close");
  } else if (version < 11) {
    out->append("\r\nConnection: keep-alive");
  }
  out->append("\r\n").append(res.headers).append("\r\n").append(res.body);
}

// A client-supplied string made safe for a JSON-lines log: printable ASCII only, no quotes or
// backslashes, at most 200 characters.
std::string LogSafe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  return out;
}

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// TLS 1.2 cipher suites: forward-secret AEAD only (Mozilla "intermediate" without DHE). TLS 1.3
// keeps OpenSSL's default suites, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

Result<std::shared_ptr<ssl::context>> MakeTlsContext(const std::string& cert,
                                                     const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Error(ErrorCode::kInternalError, "TLS: the cipher list was refused");
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert, ec);
  if (ec) return InvalidRequest("tls.cert: cannot load " + cert + ": " + ec.message(), "cert");
  ctx->use_private_key_file(key, ssl::context::pem, ec);
  if (ec) return InvalidRequest("tls.key: cannot load " + key + ": " + ec.message(), "key");
  if (SSL_CTX_check_private_key(native) != 1) {
    return InvalidRequest("tls.key does not match the certificate in tls.cert", "key");
  }
  return ctx;
}

void ShutdownSend(tcp::socket& s) {
  boost::system::error_code ec;
  s.shutdown(tcp::socket::shutdown_send, ec);
}
// No close_notify exchange (it would wait for the peer): the response carried its length.
void ShutdownSend(TlsStream& s) {
  ShutdownSend(s.next_layer());
}
#ifdef KEYWARD_FUZZING
void ShutdownSend(beast::test::stream& s) {
  s.close();
}
#endif

// The end of a connection rather than a malformed request.
bool IsDisconnect(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
         ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == ssl::error::stream_truncated || ec.category() == asio::error::get_ssl_category();
}

// Per-connection state the worker can see: its deadline (enforced by the worker's once-a-second
// watchdog, so no timer is armed per I/O operation) and whether it waits between requests.
struct Connection {
  tcp::socket* socket = nullptr;
  bool idle = true;
  int64_t deadline = 0;  // worker seconds; the socket is cancelled once `now` passes it
  bool evicted = false;  // closed by EvictIdle to make room
};

struct Worker {
  asio::io_context ioc{1};  // run by one thread; others only post() to it
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::acceptor> tls_acceptor;
  std::list<Connection> connections;  // touched only on this worker's thread
  size_t evicted = 0;                 // of `connections`, closed by EvictIdle and still ending
  int64_t now = 0;                    // coarse steady seconds, advanced by the watchdog
  std::thread thread;
  size_t index = 0;                   // its connection pool in proxy mode
};

}  // namespace

bool SplitHostPort(std::string_view listen, std::string* host, uint16_t* port) {
  size_t colon;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return false;
    }
    *host = std::string(listen.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = listen.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    *host = std::string(listen.substr(0, colon));
  }
  std::string_view p = listen.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value > 65535) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

class Server::Impl {
 public:
  Impl(Api& api, ServerSettings settings, std::unique_ptr<Proxy> proxy)
      : api_(api),
        settings_(std::move(settings)),
        pool_(std::max(1, settings_.blocking_threads)),
        proxy_(std::move(proxy)) {
    int n = settings_.threads > 0 ? settings_.threads
                                  : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>());
    for (size_t i = 0; i < workers_.size(); ++i) workers_[i]->index = i;
    if (proxy_) proxy_->PrepareWorkers(workers_.size());
    per_worker_max_connections_ = std::max<size_t>(1, settings_.max_connections / workers_.size());
  }

  ~Impl() {
    Stop();
    for (auto& w : workers_) {
      w->ioc.stop();
      if (w->thread.joinable()) w->thread.join();
    }
    pool_.join();
  }

  Status Start() {
    if (Status st = Bind(settings_.listen, "listen", &Worker::acceptor, &port_); !st.ok()) {
      return st;
    }
    if (settings_.listen_tls.empty()) return Status::Ok();
    if (Status st = ReloadTls(); !st.ok()) return st;
    return Bind(settings_.listen_tls, "listen_tls", &Worker::tls_acceptor, &tls_port_);
  }

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }

  Status ReloadTls() {
    if (settings_.listen_tls.empty()) {
      return InvalidRequest("TLS is not configured (server.listen_tls).", "listen_tls");
    }
    auto ctx = MakeTlsContext(settings_.tls_cert_file, settings_.tls_key_file);
    if (!ctx.ok()) return ctx.error();
    std::lock_guard lock(tls_mu_);
    tls_ctx_ = std::move(*ctx);
    return Status::Ok();
  }

  // One SO_REUSEPORT acceptor per worker on `listen`.
  Status Bind(const std::string& listen, const std::string& name,
              std::optional<tcp::acceptor> Worker::*slot, uint16_t* bound) {
    std::string host;
    uint16_t port = 0;
    if (!SplitHostPort(listen, &host, &port)) {
      return InvalidRequest("server." + name + " must be host:port, e.g. 127.0.0.1:8080.", name);
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return InvalidRequest("server." + name + " has an invalid IP address: " + host, name);
    for (auto& w : workers_) {
      tcp::endpoint ep(address, port);
      tcp::acceptor acc(w->ioc);
      acc.open(ep.protocol(), ec);
      if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acc.set_option(reuse_port(true), ec);
      if (!ec) acc.bind(ep, ec);
      if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        return Error(ErrorCode::kUnavailable, "cannot listen on " + listen + ": " + ec.message());
      port = acc.local_endpoint().port();  // the others share the port picked for port 0
      ((*w).*slot).emplace(std::move(acc));
    }
    *bound = port;
    return Status::Ok();
  }

  void Run(bool handle_signals) {
    std::optional<std::thread> signal_thread;
    asio::io_context signal_ioc{1};
    asio::signal_set signals(signal_ioc);
    std::function<void()> arm = [&] {
      signals.async_wait([this, &arm](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        if (sig == SIGHUP) {
          if (settings_.listen_tls.empty()) {
            spdlog::info("SIGHUP received: no TLS certificate to reload");
          } else if (Status st = ReloadTls(); st.ok()) {
            spdlog::info("SIGHUP received: TLS certificate reloaded from {}",
                         settings_.tls_cert_file);
          } else {
            spdlog::error("SIGHUP received: TLS reload failed, keeping the old certificate: {}",
                          st.error().message());
          }
          arm();
          return;
        }
        spdlog::info("signal {} received: shutting down", sig);
        Stop();
      });
    };
    if (handle_signals) {
      signals.add(SIGINT);
      signals.add(SIGTERM);
      signals.add(SIGHUP);
      arm();
      signal_thread.emplace([&signal_ioc] { signal_ioc.run(); });
    }

    for (auto& w : workers_) {
      asio::co_spawn(w->ioc, AcceptLoop(*w, *w->acceptor, false), asio::detached);
      if (w->tls_acceptor) {
        asio::co_spawn(w->ioc, AcceptLoop(*w, *w->tls_acceptor, true), asio::detached);
      }
      asio::co_spawn(w->ioc, Watchdog(*w), asio::detached);
      w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
    }
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_.load(); });
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(settings_.shutdown_grace_seconds);
      cv_.wait_until(lock, deadline, [this] { return live_connections_.load() == 0; });
    }
    if (live_connections_.load() != 0) {
      spdlog::warn("grace period over: closing {} connections", live_connections_.load());
    }
    for (auto& w : workers_) w->ioc.stop();
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
    pool_.join();
    if (proxy_) proxy_->PrepareWorkers(workers_.size());  // closes pooled upstream connections
    signals.cancel();
    signal_ioc.stop();
    if (signal_thread) signal_thread->join();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    for (auto& w : workers_) {
      asio::post(w->ioc, [&w = *w] {
        boost::system::error_code ec;
        if (w.acceptor) w.acceptor->close(ec);
        if (w.tls_acceptor) w.tls_acceptor->close(ec);
        for (Connection& c : w.connections) {
          if (c.idle && c.socket) c.socket->cancel(ec);
        }
      });
    }
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }

 private:
  awaitable<void> AcceptLoop(Worker& w, tcp::acceptor& acceptor, bool tls) {
    while (!stopping_) {
      auto [ec, socket] = co_await acceptor.async_accept(kTuple);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer pause(w.ioc, std::chrono::milliseconds(50));  // e.g. EMFILE
        co_await pause.async_wait(kTuple);
        continue;
      }
      // Each worker holds its share of max_connections, so that the decision (and the eviction)
      // needs nothing from other threads.
      if (w.connections.size() - w.evicted >= per_worker_max_connections_ && !EvictIdle(w)) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      live_connections_.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(w.ioc, Session(w, std::move(socket), tls), [this](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("connection failed: {}", ex.what());
          }
        }
        if (live_connections_.fetch_sub(1) == 1 && stopping_) {
          std::lock_guard lock(mu_);
          cv_.notify_all();
        }
      });
    }
  }

  // At max_connections: closes this worker's longest-waiting idle connection (keep-alive, or
  // connected and silent) to make room, so that a flood of idle sockets cannot lock out clients
  // that send requests. False when every connection of this worker is busy.
  bool EvictIdle(Worker& w) {
    Connection* oldest = nullptr;
    for (Connection& c : w.connections) {
      if (c.idle && c.socket && !c.evicted &&
          (oldest == nullptr || c.deadline < oldest->deadline)) {
        oldest = &c;
      }
    }
    if (oldest == nullptr) return false;
    // Closed rather than cancelled: a read that has just completed cannot slip through.
    boost::system::error_code ignored;
    oldest->socket->close(ignored);
    oldest->evicted = true;
    ++w.evicted;
    return true;
  }

  // Once a second: advance the worker's clock and cancel connections past their deadline.
  awaitable<void> Watchdog(Worker& w) {
    asio::steady_timer tick(w.ioc);
    const auto start = std::chrono::steady_clock::now();
    while (!stopping_ || !w.connections.empty()) {
      tick.expires_after(std::chrono::seconds(1));
      auto [ec] = co_await tick.async_wait(kTuple);
      if (ec) co_return;
      w.now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                               start)
                  .count();
      for (Connection& c : w.connections) {
        if (c.deadline < w.now && c.socket) {
          boost::system::error_code ignored;
          c.socket->cancel(ignored);
        }
      }
    }
  }

  awaitable<void> Session(Worker& w, tcp::socket socket, bool tls) {
    boost::system::error_code ec;
    IpAddress peer;
    std::string peer_text;
    {
      auto ep = socket.remote_endpoint(ec);
      if (!ec) {
        auto address = ep.address();
        if (address.is_v6() && address.to_v6().is_v4_mapped()) {
          address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
        }
        peer_text = address.to_string();
        if (auto parsed = ParseIp(peer_text)) peer = *parsed;
      }
    }
    if (!tls) {
      auto conn = w.connections.insert(w.connections.end(), Connection{&socket, true, 0});
      Unregister unregister{w, conn};
      co_await Serve(w, socket, &*conn, peer, peer_text, false);
      co_return;
    }
    std::shared_ptr<ssl::context> ctx;  // held for the connection's life; a reload swaps tls_ctx_
    {
      std::lock_guard lock(tls_mu_);
      ctx = tls_ctx_;
    }
    TlsStream stream(std::move(socket), *ctx);
    auto conn =
        w.connections.insert(w.connections.end(), Connection{&stream.next_layer(), true, 0});
    Unregister unregister{w, conn};
    conn->deadline = w.now + settings_.read_timeout_seconds + 1;
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
    conn->idle = false;
    if (hec) co_return;  // a failed handshake (old protocol, no common cipher, not TLS): close
    co_await Serve(w, stream, &*conn, peer, peer_text, true);
  }

  struct Unregister {
    Worker& w;
    std::list<Connection>::iterator it;
    ~Unregister() {
      if (it->evicted) --w.evicted;
      w.connections.erase(it);
    }
  };

  // The request loop of one connection, over a plain or a TLS stream.
  template <class Stream>
  awaitable<void> Serve(Worker& w, Stream& stream, Connection* conn, IpAddress peer,
                        std::string_view peer_text, bool tls) {
    const bool refuse_plain =
        HttpsRequired(!settings_.listen_tls.empty(), tls, peer, settings_.plain_http_allowed);
    beast::flat_buffer buffer;
    std::string out;  // the serialised response, reused across requests
    // Deadlines are whole seconds on the worker's coarse clock (+1: the tick may be just due).
    const int64_t idle = settings_.idle_timeout_seconds + 1;
    const int64_t read = settings_.read_timeout_seconds + 1;
    while (!stopping_) {
      if (buffer.size() == 0) {  // keep-alive: wait for the first byte of the next request
        conn->idle = true;
        conn->deadline = w.now + idle;
        auto [rec, n] = co_await stream.async_read_some(buffer.prepare(4096), kTuple);
        conn->idle = false;
        if (rec) break;
        buffer.commit(n);
      }
      conn->idle = false;
      // The head first: a proxied request streams its body (proxy.max_body); keyward's own
      // endpoints read theirs whole (server.max_body_bytes).
      http::request_parser<http::empty_body> head;
      head.header_limit(static_cast<std::uint32_t>(settings_.max_header_bytes));
      head.body_limit(proxy_ ? std::max<uint64_t>(settings_.max_body_bytes, proxy_->max_body())
                             : settings_.max_body_bytes);
      conn->deadline = w.now + read;
      auto [rec, n] = co_await http::async_read_header(stream, buffer, head, kTuple);
      // Proxy mode serves the real listeners' streams (the fuzz build's in-memory one has none).
      if constexpr (std::is_same_v<Stream, tcp::socket> ||
                    std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
        if (!rec && proxy_ &&
            proxy_->Handles(head.get().target().substr(0, head.get().target().find('?')))) {
          ProxyContext ctx{w.index, &conn->deadline, &w.now, read, peer, peer_text,
                           tls,     stopping_.load(), settings_.access_log};
          if (!co_await ServeProxied(*proxy_, stream, buffer, head, ctx)) break;
          continue;
        }
      }
      if (!rec && head.content_length() && *head.content_length() > settings_.max_body_bytes) {
        rec = http::error::body_limit;
      }
      std::optional<http::request_parser<http::string_body>> full;
      if (!rec) {
        full.emplace(std::move(head));
        full->body_limit(settings_.max_body_bytes);
        if (!full->is_done()) {  // a GET is complete with its head: no extra async hop
          std::tie(rec, n) = co_await http::async_read(stream, buffer, *full, kTuple);
        }
      }
      if (rec) {
        if (IsDisconnect(rec)) break;
        Error err = rec == http::error::header_limit
                        ? Error(ErrorCode::kHeadersTooLarge)
                    : rec == http::error::body_limit
                        ? Error(ErrorCode::kPayloadTooLarge)
                        : InvalidRequest("The HTTP request is malformed.");
        std::string request_id = NewRequestId();
        HttpResponse res = ErrorResponse(err, request_id);
        conn->deadline = w.now + 5;
        co_await WriteAndClose(stream, res, request_id);
        co_return;
      }
      http::request<http::string_body> req = full->release();
      const bool keep_alive = req.keep_alive();
      HttpResponse res;
      RequestIdBuffer id_buffer;
      const std::string_view request_id = NewRequestId(id_buffer);
      {
        BeastHeaders headers(req.base());
        HttpRequest hreq;
        hreq.method = req.method_string();
        hreq.target = req.target();
        const size_t q = hreq.target.find('?');
        hreq.path = hreq.target.substr(0, q);
        if (q != std::string_view::npos) hreq.query = hreq.target.substr(q + 1);
        hreq.body = req.body();
        hreq.headers = &headers;
        hreq.peer = peer;
        hreq.peer_text = peer_text;
        hreq.tls = tls;
        hreq.request_id = request_id;
        if (refuse_plain) {
          res = ErrorResponse(Error(ErrorCode::kHttpsRequired), request_id);
        } else if (api_.IsBlocking(hreq)) {
          res = co_await asio::co_spawn(
              pool_, [&]() -> awaitable<HttpResponse> { co_return api_.Handle(hreq); },
              use_awaitable);
        } else {
          res = api_.Handle(hreq);
        }
      }
      if (res.status >= 500) spdlog::error("request {} answered {}", request_id, res.status);
      if (settings_.access_log) {
        // The path only: a query string or a header may carry a secret; never log them.
        spdlog::info("access {} {} {} {} peer={}", request_id, req.method_string(),
                     LogSafe(req.target().substr(0, req.target().find('?'))), res.status,
                     peer_text);
      }
      const bool again = keep_alive && !stopping_;
      SerializeResponse(res, request_id, req.version(), again, &out);
      conn->deadline = w.now + read;
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
      if (wec || !again) break;
    }
    ShutdownSend(stream);
  }

  // Answers an unparseable request and closes; drains what the client still sends for a moment so
  // that it reads the answer instead of a reset.
  // The caller's deadline bounds the whole of it.
  template <class Stream>
  awaitable<void> WriteAndClose(Stream& stream, const HttpResponse& res,
                                std::string_view request_id) {
    std::string out;
    SerializeResponse(res, request_id, 11, /*keep_alive=*/false, &out);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
    ShutdownSend(stream);
    if (wec) co_return;
    std::array<char, 16384> sink;
    size_t drained = 0;
    while (drained < 8 * 1024 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
  }

#ifdef KEYWARD_FUZZING
 public:
  std::string FuzzServe(std::string_view input) {
    Worker& w = *workers_[0];
    beast::test::stream stream(w.ioc);
    beast::test::stream client(w.ioc);
    stream.connect(client);
    stream.append(input);
    stream.close_remote();  // after `input`, the client has closed
    auto conn = w.connections.insert(w.connections.end(), Connection{nullptr, true, 0});
    IpAddress peer = *ParseIp("127.0.0.1");
    asio::co_spawn(
        w.ioc,
        [&]() -> awaitable<void> {
          Unregister unregister{w, conn};
          co_await Serve(w, stream, &*conn, peer, "127.0.0.1", false);
        },
        asio::detached);
    w.ioc.run();
    w.ioc.restart();
    return std::string(client.str());
  }

 private:
#endif
  Api& api_;
  ServerSettings settings_;
  asio::thread_pool pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  size_t per_worker_max_connections_ = 1;
  std::mutex tls_mu_;
  std::shared_ptr<ssl::context> tls_ctx_;  // guarded by tls_mu_
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> live_connections_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<Proxy> proxy_;  // last: its pooled sockets go before the workers' io_contexts
};

Server::Server(Api& api, ServerSettings settings, std::unique_ptr<Proxy> proxy)
    : impl_(std::make_unique<Impl>(api, std::move(settings), std::move(proxy))) {}
Server::~Server() = default;
Status Server::Start() {
  return impl_->Start();
}
uint16_t Server::port() const {
  return impl_->port();
}
uint16_t Server::tls_port() const {
  return impl_->tls_port();
}
Status Server::ReloadTls() {
  return impl_->ReloadTls();
}
void Server::Run(bool handle_signals) {
  impl_->Run(handle_signals);
}
void Server::Stop() {
  impl_->Stop();
}

#ifdef KEYWARD_FUZZING
std::string Server::FuzzServeConnection(Api& api, const ServerSettings& settings,
                                        std::string_view input) {
  // One server per process (the first call's api and settings), reused for every input.
  static Impl* impl = [&] {
    ServerSettings s = settings;
    s.threads = 1;
    s.blocking_threads = 1;
    return new Impl(api, s, nullptr);
  }();
  return impl->FuzzServe(input);
}
#endif

}  // namespace keyward
