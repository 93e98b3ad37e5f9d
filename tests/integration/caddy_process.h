// A real Caddy (Debian's package) for the gateway tests: the Caddyfile of docs/operations.md
// ("Behind Caddy") in a temporary directory, one process (`caddy run`) on a free loopback port,
// with its data and config directories in that temporary directory, stopped by PID.
// Throws std::runtime_error when caddy is missing or does not come up — a test then fails (never
// skips): scripts/install-deps installs caddy.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace keyward_it {

// The Caddyfile of docs/operations.md ("Behind Caddy"), between its caddy-config-begin/-end
// markers, with the keyward and API server addresses and the site address replaced. Throws when
// the document no longer has exactly one of each.
std::string DocumentedCaddyfile(uint16_t keyward_port, uint16_t api_port, uint16_t listen_port);

class CaddyProcess {
 public:
  // Runs `caddyfile`; Caddy serves on 127.0.0.1:`port` (which the Caddyfile must name).
  CaddyProcess(const std::string& caddyfile, uint16_t port);
  ~CaddyProcess();
  CaddyProcess(const CaddyProcess&) = delete;
  CaddyProcess& operator=(const CaddyProcess&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string Log() const;  // Caddy's stdout and stderr

 private:
  std::string dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

// /usr/bin/caddy (Debian), or CADDY from the environment.
std::string CaddyBinary();

}  // namespace keyward_it
