#include "app/signals.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace keyward {
namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
int g_write_end = -1;  // the pipe the handlers write to

extern "C" void OnSignal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  [[maybe_unused]] ssize_t n = write(g_write_end, &byte, 1);
  errno = saved;
}

void SetHandler(void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (int sig : kSignals) sigaction(sig, &action, nullptr);
}

}  // namespace

ServeSignals::ServeSignals(Server& server, const ServerSettings& settings)
    : server_(server), settings_(settings) {
  if (pipe2(pipe_, O_CLOEXEC) != 0) {
    spdlog::error("cannot watch signals: pipe: {}", errno);
    return;
  }
  g_write_end = pipe_[1];
  SetHandler(&OnSignal);
  thread_ = std::thread([this] { Loop(); });
}

ServeSignals::~ServeSignals() {
  if (!thread_.joinable()) return;
  SetHandler(SIG_DFL);
  const unsigned char stop = 0;
  [[maybe_unused]] ssize_t n = write(pipe_[1], &stop, 1);
  thread_.join();
  g_write_end = -1;
  close(pipe_[0]);
  close(pipe_[1]);
}

void ServeSignals::SetHooks(SignalHooks hooks) {
  MutexLock lock(mu_);
  hooks_ = std::move(hooks);
}

void ServeSignals::Loop() {
  for (;;) {
    unsigned char sig = 0;
    const ssize_t n = read(pipe_[0], &sig, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1 || sig == 0) return;
    if (sig != SIGHUP) {
      spdlog::info("signal {} received: shutting down", static_cast<int>(sig));
      {
        MutexLock lock(mu_);
        if (hooks_.on_stop) hooks_.on_stop();
      }
      server_.Stop();
    } else {
      Reload();
    }
  }
}

void ServeSignals::Reload() {
  MutexLock lock(mu_);
  if (settings_.listen_tls.empty() && !hooks_.reload_tls) {
    spdlog::info("SIGHUP received: no TLS certificate to reload");
    return;
  }
  if (!settings_.listen_tls.empty()) {
    if (Status st = server_.ReloadTls(); st.ok()) {
      spdlog::info("SIGHUP received: TLS certificate reloaded from {}", settings_.tls_cert_file);
    } else {
      spdlog::error("SIGHUP received: TLS reload failed, keeping the old certificate: {}",
                    st.error().message());
    }
  }
  if (hooks_.reload_tls) {
    if (Status st = hooks_.reload_tls(); st.ok()) {
      spdlog::info("SIGHUP received: {} TLS certificate reloaded from {}", hooks_.reload_tls_name,
                   settings_.tls_cert_file);
    } else {
      spdlog::error("SIGHUP received: {} TLS reload failed, keeping the old certificate: {}",
                    hooks_.reload_tls_name, st.error().message());
    }
  }
}

}  // namespace keyward
