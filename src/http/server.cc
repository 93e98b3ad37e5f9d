#include "http/server.h"

#include <sys/socket.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "http/errors.h"
#include "http/proxy_session.h"
#include "http/request_id.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
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

// Per-connection state the worker can see: its deadline (enforced by the worker's once-a-second
// watchdog, so no timer is armed per I/O operation) and whether it waits between requests.
struct Connection {
  tcp::socket* socket = nullptr;
  bool idle = true;
  int64_t deadline = 0;  // worker seconds; the socket is cancelled once `now` passes it
};

struct Worker {
  asio::io_context ioc{1};  // run by one thread; others only post() to it
  std::optional<tcp::acceptor> acceptor;
  std::list<Connection> connections;  // touched only on this worker's thread
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
    std::string host;
    uint16_t port = 0;
    if (!SplitHostPort(settings_.listen, &host, &port)) {
      return InvalidRequest("server.listen must be host:port, e.g. 127.0.0.1:8080.", "listen");
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (ec) return InvalidRequest("server.listen has an invalid IP address: " + host, "listen");
    for (auto& w : workers_) {
      tcp::endpoint ep(address, port);
      tcp::acceptor acc(w->ioc);
      acc.open(ep.protocol(), ec);
      if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) acc.set_option(reuse_port(true), ec);
      if (!ec) acc.bind(ep, ec);
      if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return Error(ErrorCode::kUnavailable,
                     "cannot listen on " + settings_.listen + ": " + ec.message());
      }
      port = acc.local_endpoint().port();  // the others share the port picked for port 0
      w->acceptor.emplace(std::move(acc));
    }
    port_ = port;
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Run(bool handle_signals) {
    std::optional<std::thread> signal_thread;
    asio::io_context signal_ioc{1};
    asio::signal_set signals(signal_ioc);
    if (handle_signals) {
      signals.add(SIGINT);
      signals.add(SIGTERM);
      signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (!ec) {
          spdlog::info("signal {} received: shutting down", sig);
          Stop();
        }
      });
      signal_thread.emplace([&signal_ioc] { signal_ioc.run(); });
    }

    for (auto& w : workers_) {
      asio::co_spawn(w->ioc, AcceptLoop(*w), asio::detached);
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
        for (Connection& c : w.connections) {
          if (c.idle && c.socket) c.socket->cancel(ec);
        }
      });
    }
    std::lock_guard lock(mu_);
    cv_.notify_all();
  }

 private:
  awaitable<void> AcceptLoop(Worker& w) {
    while (!stopping_) {
      auto [ec, socket] = co_await w.acceptor->async_accept(kTuple);
      if (ec) {
        if (stopping_ || ec == asio::error::operation_aborted) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        asio::steady_timer pause(w.ioc, std::chrono::milliseconds(50));  // e.g. EMFILE
        co_await pause.async_wait(kTuple);
        continue;
      }
      if (live_connections_.load(std::memory_order_relaxed) >= settings_.max_connections) {
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      live_connections_.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(w.ioc, Session(w, std::move(socket)), [this](std::exception_ptr e) {
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

  awaitable<void> Session(Worker& w, tcp::socket socket) {
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
    tcp::socket& stream = socket;
    auto conn = w.connections.insert(w.connections.end(), Connection{&stream, true, 0});
    struct Unregister {
      Worker& w;
      std::list<Connection>::iterator it;
      ~Unregister() { w.connections.erase(it); }
    } unregister{w, conn};

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
      if (!rec && proxy_ && proxy_->Handles(head.get().target().substr(
                                0, head.get().target().find('?')))) {
        ProxyContext ctx{w.index, &conn->deadline, &w.now, read, peer, peer_text,
                         false,   stopping_.load(), settings_.access_log};
        if (!co_await ServeProxied(*proxy_, stream, buffer, head, ctx)) break;
        continue;
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
        if (rec == http::error::end_of_stream ||
            rec == asio::error::operation_aborted || rec == asio::error::connection_reset) {
          break;
        }
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
        hreq.request_id = request_id;
        if (api_.IsBlocking(hreq)) {
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
    stream.shutdown(tcp::socket::shutdown_send, ec);
  }

  // Answers an unparseable request and closes; drains what the client still sends for a moment so
  // that it reads the answer instead of a reset.
  // The caller's deadline bounds the whole of it.
  awaitable<void> WriteAndClose(tcp::socket& stream, const HttpResponse& res,
                                std::string_view request_id) {
    std::string out;
    SerializeResponse(res, request_id, 11, /*keep_alive=*/false, &out);
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(out), kTuple);
    boost::system::error_code ec;
    stream.shutdown(tcp::socket::shutdown_send, ec);
    if (wec) co_return;
    std::array<char, 16384> sink;
    size_t drained = 0;
    while (drained < 8 * 1024 * 1024) {
      auto [rec, n] = co_await stream.async_read_some(asio::buffer(sink), kTuple);
      if (rec) break;
      drained += n;
    }
  }

  Api& api_;
  ServerSettings settings_;
  asio::thread_pool pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> live_connections_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<Proxy> proxy_;  // last: its pooled sockets go before the workers' io_contexts
};

Server::Server(Api& api, ServerSettings settings, std::unique_ptr<Proxy> proxy)
    : impl_(std::make_unique<Impl>(api, std::move(settings), std::move(proxy))) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Run(bool handle_signals) { impl_->Run(handle_signals); }
void Server::Stop() { impl_->Stop(); }

}  // namespace keyward
