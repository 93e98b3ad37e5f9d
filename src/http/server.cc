// The server's life cycle: the workers (server/listener.h) serving connections
// (server/connection.h), the TLS context (server/tls_context.h), the blocking pool, and the drain.
#include "http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/thread_pool.hpp>
#include <charconv>
#include <chrono>
#include <thread>

#include "core/cpu_count.h"
#include "core/mutex.h"
#include "http/server/connection.h"
#include "http/server/listener.h"
#include "http/server/tls_context.h"

namespace keyward {
namespace {

// The number of I/O workers: server.threads, or with 0 one per CPU.
size_t WorkerCount(const ServerSettings& settings) {
  if (settings.threads > 0) return static_cast<size_t>(settings.threads);
  return static_cast<size_t>(
      UsableCpuCount());  // the affinity mask and cgroup quota, not every CPU of the host
}

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
      : settings_(std::move(settings)),
        blocking_(std::max(1, settings_.blocking_threads)),
        tls_(settings_.tls_cert_file, settings_.tls_key_file),
        proxy_(std::move(proxy)),
        ctx_{api, settings_, blocking_, proxy_.get(), stopping_},
        listener_(
            std::make_unique<Listener>(ctx_, &tls_, WorkerCount(settings_), [this] { Notify(); })) {
    if (proxy_) proxy_->PrepareWorkers(listener_->worker_count());
  }

  ~Impl() {
    Stop();
    listener_->Join();
    blocking_.join();
    // The pooled upstream sockets go before the workers' io_contexts they belong to.
    if (proxy_) proxy_->PrepareWorkers(0);
    listener_.reset();
  }

  Status Start() {
    if (Status st = listener_->Bind(settings_.listen, "listen", false, &port_); !st.ok()) {
      return st;
    }
    if (settings_.listen_tls.empty()) return Status::Ok();
    if (Status st = ReloadTls(); !st.ok()) return st;
    return listener_->Bind(settings_.listen_tls, "listen_tls", true, &tls_port_);
  }

  uint16_t port() const { return port_; }
  uint16_t tls_port() const { return tls_port_; }

  Status ReloadTls() {
    if (settings_.listen_tls.empty()) {
      return InvalidRequest("TLS is not configured (server.listen_tls).", "listen_tls");
    }
    return tls_.Reload();
  }

  void Run() {
    listener_->Start();
    {
      MutexLock lock(mu_);
      cv_.Wait(mu_, [this] { return stopping_.load(); });
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(settings_.shutdown_grace_seconds);
      cv_.WaitUntil(mu_, deadline, [this] { return listener_->live_connections() == 0; });
    }
    if (const size_t live = listener_->live_connections(); live != 0) {
      spdlog::warn("grace period over: closing {} connections", live);
    }
    listener_->Join();
    blocking_.join();
    if (proxy_) proxy_->PrepareWorkers(listener_->worker_count());  // closes pooled connections
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    listener_->StopAccepting();
    Notify();
  }

 private:
  // Wakes Run() to look again at stopping_ and the live connections. Taking mu_ first means the
  // wake-up cannot fall between Run()'s check and its wait.
  void Notify() {
    MutexLock lock(mu_);
    cv_.SignalAll();
  }

  ServerSettings settings_;
  boost::asio::thread_pool blocking_;
  TlsContext tls_;
  std::atomic<bool> stopping_{false};
  Mutex mu_;  // guards no member: it orders Notify() against Run()'s waits
  CondVar cv_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  std::unique_ptr<Proxy> proxy_;
  const ServeContext ctx_;
  std::unique_ptr<Listener> listener_;
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
void Server::Run() {
  impl_->Run();
}
void Server::Stop() {
  impl_->Stop();
}

}  // namespace keyward
