// See fault_proxy.h. One io_context on one thread; every Conn relays its two directions with one
// outstanding read per direction (read → maybe wait → write → read), so order is kept.
#include "fault_proxy.h"

#include <array>
#include <boost/asio.hpp>
#include <future>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace keyward_test {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

struct FaultProxy::Impl {
  enum class Mode { kPass, kBlackHole, kReset };

  explicit Impl(FaultProxy& o, uint16_t up) : owner(o), acceptor(io), upstream_port(up) {}

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl& i, tcp::socket c) : impl(i), client(std::move(c)), server(i.io) {}
    ~Conn() { impl.owner.open_.fetch_sub(1); }

    Impl& impl;
    tcp::socket client;
    tcp::socket server;
    std::array<std::array<char, 16384>, 2> buf{};
    asio::steady_timer delay[2] = {asio::steady_timer(impl.io), asio::steady_timer(impl.io)};
    bool closed = false;
    bool primed = false;  // the client sent the ResetAfter `after` pattern

    tcp::socket& From(int dir) { return dir == 0 ? client : server; }
    tcp::socket& To(int dir) { return dir == 0 ? server : client; }

    void Start() {
      auto self = shared_from_this();
      server.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), impl.upstream_port),
                           [self](const error_code& ec) {
                             if (ec || self->closed) return self->Close();
                             self->Pump(0);
                             self->Pump(1);
                           });
    }

    void Pump(int dir) {
      if (closed) return;
      auto self = shared_from_this();
      From(dir).async_read_some(asio::buffer(buf[dir]),
                                [self, dir](const error_code& ec, size_t n) {
                                  if (ec || self->closed) return self->Close();
                                  self->OnRead(dir, n);
                                });
    }

    void OnRead(int dir, size_t n) {
      if (impl.mode == Mode::kReset) return Reset();
      const bool cut =
          impl.mode == Mode::kBlackHole || (dir == 0 && impl.cut_c2s) || (dir == 1 && impl.cut_s2c);
      if (cut) return Pump(dir);  // dropped
      const std::string_view chunk(buf[dir].data(), n);
      if (dir == 0 && !impl.trigger_after.empty() &&
          chunk.find(impl.trigger_after) != std::string_view::npos) {
        primed = true;
      }
      if (dir == 0 && impl.trigger_armed && (impl.trigger_after.empty() || primed) &&
          chunk.find(impl.trigger) != std::string_view::npos) {
        impl.trigger_armed = false;
        impl.owner.triggered_.store(true);
        return Trip(n);
      }
      if (impl.latency.count() > 0) {
        auto self = shared_from_this();
        delay[dir].expires_after(impl.latency);
        delay[dir].async_wait([self, dir, n](const error_code& ec) {
          if (ec || self->closed) return self->Close();
          self->Write(dir, n);
        });
        return;
      }
      Write(dir, n);
    }

    void Write(int dir, size_t n) {
      auto self = shared_from_this();
      asio::async_write(To(dir), asio::buffer(buf[dir].data(), n),
                        [self, dir](const error_code& ec, size_t) {
                          if (ec || self->closed) return self->Close();
                          self->Pump(dir);
                        });
    }

    // The ResetAfter trigger: forward (or drop) the chunk, then reset the client's side and
    // close the server's side without relaying its answer.
    void Trip(size_t n) {
      if (!impl.trigger_forward) return TripDone();
      // Delivered to the server first, so the client sees the reset only after its chunk left.
      auto self = shared_from_this();
      asio::async_write(server, asio::buffer(buf[0].data(), n),
                        [self](const error_code&, size_t) { self->TripDone(); });
    }
    void TripDone() {
      impl.owner.resets_.fetch_add(1);  // counted before the client can see it
      ResetSocket(client);
      Close();
    }

    static void ResetSocket(tcp::socket& s) {
      error_code ignored;
      if (!s.is_open()) return;
      s.set_option(asio::socket_base::linger(true, 0), ignored);
      s.close(ignored);
    }

    void Reset() {
      if (closed) return;
      impl.owner.resets_.fetch_add(1);  // counted before the client can see it
      ResetSocket(client);
      ResetSocket(server);
      Close();
    }

    void Close() {
      closed = true;
      error_code ignored;
      delay[0].cancel();
      delay[1].cancel();
      if (client.is_open()) client.close(ignored);
      if (server.is_open()) server.close(ignored);
    }
  };

  void Accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) {
        owner.accepted_.fetch_add(1);
        owner.open_.fetch_add(1);
        auto conn = std::make_shared<Conn>(*this, std::move(socket));
        if (mode == Mode::kReset) {
          conn->Reset();
        } else {
          std::erase_if(conns, [](const std::weak_ptr<Conn>& w) { return w.expired(); });
          conns.push_back(conn);
          conn->Start();
        }
      }
      Accept();
    });
  }

  // Runs `fn` on the proxy's thread and waits for it.
  void Do(std::function<void()> fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void ResetAll() {
    for (auto& weak : conns) {
      if (auto c = weak.lock()) c->Reset();
    }
    conns.clear();
  }

  FaultProxy& owner;
  asio::io_context io;
  tcp::acceptor acceptor;
  uint16_t upstream_port;
  std::thread thread;
  // Confined to `thread`.
  Mode mode = Mode::kPass;
  std::chrono::milliseconds latency{0};
  bool cut_c2s = false;
  bool cut_s2c = false;
  bool trigger_armed = false;
  bool trigger_forward = true;
  std::string trigger;
  std::string trigger_after;
  std::vector<std::weak_ptr<Conn>> conns;
};

FaultProxy::FaultProxy(uint16_t upstream_port) : impl_(new Impl(*this, upstream_port)) {
  error_code ec;
  const tcp::endpoint ep(asio::ip::address_v4::loopback(), 0);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("fault proxy: cannot listen: " + ec.message());
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FaultProxy::~FaultProxy() {
  impl_->Do([this] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& weak : impl_->conns) {
      if (auto c = weak.lock()) c->Close();
    }
    impl_->conns.clear();
  });
  impl_->io.stop();
  impl_->thread.join();
}

void FaultProxy::Heal() {
  impl_->Do([this] {
    impl_->mode = Impl::Mode::kPass;
    impl_->latency = std::chrono::milliseconds(0);
    impl_->cut_c2s = impl_->cut_s2c = false;
    impl_->trigger_armed = false;
  });
}

void FaultProxy::SetLatency(std::chrono::milliseconds d) {
  impl_->Do([this, d] { impl_->latency = d; });
}

void FaultProxy::BlackHole() {
  impl_->Do([this] { impl_->mode = Impl::Mode::kBlackHole; });
}

void FaultProxy::Reset() {
  impl_->Do([this] {
    impl_->mode = Impl::Mode::kReset;
    impl_->ResetAll();
  });
}

void FaultProxy::CutClientToServer() {
  impl_->Do([this] { impl_->cut_c2s = true; });
}

void FaultProxy::CutServerToClient() {
  impl_->Do([this] { impl_->cut_s2c = true; });
}

void FaultProxy::ResetAfter(std::string pattern, bool forward, std::string after) {
  impl_->Do([this, p = std::move(pattern), forward, a = std::move(after)]() mutable {
    triggered_.store(false);
    impl_->trigger = std::move(p);
    impl_->trigger_after = std::move(a);
    impl_->trigger_forward = forward;
    impl_->trigger_armed = true;
  });
}

}  // namespace keyward_test
