// Test helper: a real redis-server (Debian's redis-server package) on a free loopback port in a
// temporary directory, without persistence (`--save '' --appendonly no`). Started in the
// constructor (waits until it answers PING), stopped by PID (SIGTERM, then SIGKILL) in the
// destructor or by Stop(); Start() again reuses the same port, so clients configured with it
// reconnect. Throws std::runtime_error when redis-server is missing or does not come up: a test
// that needs Redis fails, it does not skip.
// With `tls`, it also listens with TLS on tls_port(): the test makes its own CA and a server
// certificate for the host name "localhost" only (openssl CLI, in the temporary directory), plus
// a second CA that signed nothing (for "wrong CA" tests); the plain port stays for the test's own
// Command()s. `extra_args` are appended to the command line (e.g. an ACL user:
// {"--user", "kw", "on", ">secret", "~*", "&*", "+@all"}, or a replica: {"--replicaof",
// "127.0.0.1", "PORT"}); `sentinel_config` makes it a sentinel instead. Thread-safety: drive one
// RedisServer from one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace keyward_test {

struct RedisServerOptions {
  bool tls = false;
  std::vector<std::string> extra_args;
  // Non-empty: run as a sentinel (redis-server CONF --sentinel) with this configuration, e.g.
  // "sentinel monitor mymaster 127.0.0.1 6379 2\n" (the sentinel rewrites the file as it learns).
  std::string sentinel_config;
};

class RedisServer {
 public:
  RedisServer();  // picks a free port and starts
  explicit RedisServer(RedisServerOptions options);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Start();  // on port(); throws when it does not answer within 10 s
  void Stop();   // SIGTERM and wait (SIGKILL after 10 s); idempotent
  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  // TLS (options.tls): the port, the CA that signed the server's certificate (for "localhost"),
  // and a CA that did not.
  uint16_t tls_port() const { return tls_port_; }
  std::string ca_file() const { return dir_ + "/ca.crt"; }
  std::string other_ca_file() const { return dir_ + "/other-ca.crt"; }
  // "rediss://[userinfo@]host:tls_port/0".
  std::string tls_url(const std::string& userinfo = "",
                      const std::string& host = "localhost") const {
    return "rediss://" + (userinfo.empty() ? "" : userinfo + "@") + host + ":" +
           std::to_string(tls_port_) + "/0";
  }

  // Sends one inline command (e.g. "FLUSHALL") and returns the first reply line ("+OK", ":3",
  // "$-1", ...); throws when Redis does not answer.
  std::string Command(const std::string& inline_command) const;
  // The same, returning every line of the reply read within `ms` milliseconds of quiet (for an
  // array such as ROLE or SENTINEL get-master-addr-by-name), "\n"-joined, without "$n" headers.
  std::string CommandLines(const std::string& inline_command, int ms = 200) const;

 private:
  void MakeCertificates();

  RedisServerOptions options_;
  std::string dir_;
  uint16_t port_ = 0;
  uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace keyward_test
