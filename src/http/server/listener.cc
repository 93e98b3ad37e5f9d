#include "http/server/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// The peer of an accepted socket; an IPv4-mapped IPv6 address as IPv4.
std::string PeerText(const tcp::socket& socket) {
  boost::system::error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

}  // namespace

Listener::Listener(const ServeContext& ctx, TlsContext* tls, size_t threads,
                   std::function<void()> on_last_connection)
    : ctx_(ctx), tls_(tls), on_last_connection_(std::move(on_last_connection)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) {
    workers_.push_back(std::make_unique<Worker>(i));
  }
  per_worker_max_connections_ =
      std::max<size_t>(1, ctx_.settings.max_connections / workers_.size());
}

Listener::~Listener() {
  Join();
}

Status Listener::Bind(const std::string& listen, std::string_view name, bool tls, uint16_t* bound) {
  const std::string setting(name);
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(listen, &host, &port)) {
    return InvalidRequest("server." + setting + " must be host:port, e.g. 127.0.0.1:8080.",
                          setting);
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    return InvalidRequest("server." + setting + " has an invalid IP address: " + host, setting);
  }
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
    (tls ? w->tls_acceptor : w->acceptor).emplace(std::move(acc));
  }
  *bound = port;
  return Status::Ok();
}

void Listener::Start() {
  for (auto& w : workers_) {
    if (w->acceptor) asio::co_spawn(w->ioc, AcceptLoop(*w, *w->acceptor, false), asio::detached);
    if (w->tls_acceptor) {
      asio::co_spawn(w->ioc, AcceptLoop(*w, *w->tls_acceptor, true), asio::detached);
    }
    asio::co_spawn(w->ioc, Watchdog(*w), asio::detached);
    w->thread = std::thread([&ioc = w->ioc] { ioc.run(); });
  }
}

void Listener::StopAccepting() {
  for (auto& w : workers_) {
    asio::post(w->ioc, [&w = *w] {
      boost::system::error_code ec;
      if (w.acceptor) w.acceptor->close(ec);
      if (w.tls_acceptor) w.tls_acceptor->close(ec);
      for (ConnectionSlot& c : w.connections) {
        if (c.idle && c.socket) c.socket->cancel(ec);
      }
    });
  }
}

void Listener::Join() {
  for (auto& w : workers_) w->ioc.stop();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

awaitable<void> Listener::AcceptLoop(Worker& w, tcp::acceptor& acceptor, bool tls) {
  while (!ctx_.stopping) {
    auto [ec, socket] = co_await acceptor.async_accept(kTuple);
    if (ec) {
      if (ctx_.stopping || ec == asio::error::operation_aborted) co_return;
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
    live_.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(w.ioc, Session(w, std::move(socket), tls), [this](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          spdlog::error("connection failed: {}", ex.what());
        }
      }
      if (live_.fetch_sub(1) == 1 && ctx_.stopping) on_last_connection_();
    });
  }
}

// At max_connections: closes this worker's longest-waiting idle connection (keep-alive, or
// connected and silent) to make room, so that a flood of idle sockets cannot lock out clients
// that send requests. False when every connection of this worker is busy.
bool Listener::EvictIdle(Worker& w) {
  ConnectionSlot* oldest = nullptr;
  for (ConnectionSlot& c : w.connections) {
    if (c.idle && c.socket && !c.evicted && (oldest == nullptr || c.deadline < oldest->deadline)) {
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
awaitable<void> Listener::Watchdog(Worker& w) {
  asio::steady_timer tick(w.ioc);
  const auto start = std::chrono::steady_clock::now();
  while (!ctx_.stopping || !w.connections.empty()) {
    tick.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await tick.async_wait(kTuple);
    if (ec) co_return;
    w.now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start)
            .count();
    for (ConnectionSlot& c : w.connections) {
      if (c.deadline < w.now && c.socket) {
        boost::system::error_code ignored;
        c.socket->cancel(ignored);
      }
    }
  }
}

awaitable<void> Listener::Session(Worker& w, tcp::socket socket, bool tls) {
  const std::string peer_text = PeerText(socket);
  Peer peer{{}, peer_text, tls};
  if (auto parsed = ParseIp(peer_text)) peer.address = *parsed;
  const int64_t read = ctx_.settings.read_timeout_seconds + 1;
  if (!tls) {
    SlotRegistration registration(w, &socket, read, ctx_.stopping);
    co_await ServeConnection(ctx_, socket, registration.slot(), peer);
    co_return;
  }
  // Held for the connection's life; a reload swaps the TLS context's current one.
  const std::shared_ptr<ssl::context> context = tls_->Current();
  ssl::stream<tcp::socket> stream(std::move(socket), *context);
  SlotRegistration registration(w, &stream.next_layer(), read, ctx_.stopping);
  ConnectionSlot& slot = registration.slot();
  slot.deadline = w.now + read;
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
  slot.idle = false;
  if (ec) co_return;  // a failed handshake (old protocol, no common cipher, not TLS): close
  co_await ServeConnection(ctx_, stream, slot, peer);
}

}  // namespace keyward
