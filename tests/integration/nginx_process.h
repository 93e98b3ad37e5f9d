// A real nginx (Debian's package) for the gateway tests: its own prefix and config in a temporary
// directory, one process (master_process off, daemon off) on a free loopback port, stopped by PID.
// Throws std::runtime_error when nginx is missing or does not come up — a test then fails (never
// skips): scripts/install-deps installs nginx.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace keyward_it {

// The nginx configuration of docs/operations.md ("Behind nginx"), between its
// nginx-config-begin/-end markers, with the keyward and API server addresses and the listen port
// replaced. Throws when the document no longer has exactly one of each.
std::string DocumentedNginxConfig(uint16_t keyward_port, uint16_t api_port, uint16_t listen_port);

class NginxProcess {
 public:
  // `http_block` goes inside `http { }` (after the temp paths); nginx listens on `port`.
  NginxProcess(const std::string& http_block, uint16_t port);
  ~NginxProcess();
  NginxProcess(const NginxProcess&) = delete;
  NginxProcess& operator=(const NginxProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string ErrorLog() const;

 private:
  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

// /usr/sbin/nginx (Debian), or NGINX from the environment.
std::string NginxBinary();

}  // namespace keyward_it
