// A small HTTP/1.1 upstream inside the test binary, for the gateway and proxy tests: a listener
// thread on a free loopback port and one thread per connection, with keep-alive.
//
//   GET/POST/... any path   200 {"method","target","headers":{lower-case name: value},
//                               "body_bytes":N,"body_fnv":"<hex FNV-1a 64 of the body>"}
//                           (the body is counted and hashed, never kept)
//   /big?bytes=N            200 with N bytes of PatternByte(i), Content-Length framing
//   /chunked?bytes=N        the same with Transfer-Encoding: chunked
//   /slow?ms=N              waits N ms, then echoes
// Request bodies: Content-Length or chunked. Every request is counted per path (hits()).
// Thread-safe; Stop() (or the destructor) closes the listener and every connection and joins.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward_it {

inline char PatternByte(uint64_t i) {
  return static_cast<char>('a' + i % 23);
}
uint64_t Fnv1a(const void* data, size_t n, uint64_t h = 1469598103934665603ull);
std::string Hex64(uint64_t v);

class TestUpstream {
 public:
  TestUpstream();  // listens at once on 127.0.0.1:<free port>
  ~TestUpstream();
  TestUpstream(const TestUpstream&) = delete;
  TestUpstream& operator=(const TestUpstream&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Requests seen for `path` (without query), all methods.
  int hits(const std::string& path) const;
  int connections() const { return connections_.load(); }
  void Stop();

 private:
  void AcceptLoop();
  void Serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::map<std::string, int> hits_;   // guarded by mu_
  std::vector<int> fds_;              // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
};

}  // namespace keyward_it
