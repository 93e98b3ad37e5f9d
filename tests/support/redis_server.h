// Test helper: a real redis-server (Debian's redis-server package) on a free loopback port in a
// temporary directory, without persistence (`--save '' --appendonly no`). Started in the
// constructor (waits until it answers PING), stopped by PID (SIGTERM, then SIGKILL) in the
// destructor or by Stop(); Start() again reuses the same port, so clients configured with it
// reconnect. Throws std::runtime_error when redis-server is missing or does not come up: a test
// that needs Redis fails, it does not skip.
// Thread-safety: drive one RedisServer from one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace keyward_test {

class RedisServer {
 public:
  RedisServer();  // picks a free port and starts
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  void Start();  // on port(); throws when it does not answer within 10 s
  void Stop();   // SIGTERM and wait (SIGKILL after 10 s); idempotent
  bool running() const { return pid_ > 0; }
  uint16_t port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }

  // Sends one inline command (e.g. "FLUSHALL") and returns the first reply line ("+OK", ":3",
  // "$-1", ...); throws when Redis does not answer.
  std::string Command(const std::string& inline_command) const;

 private:
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace keyward_test
