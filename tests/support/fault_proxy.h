// Test helper: a TCP proxy on a free 127.0.0.1 port in front of one upstream (a Redis or a
// PostgreSQL server started by the test), through which a test injects network faults between
// keyward and that server. Each accepted connection gets its own upstream connection; bytes are
// relayed both ways in chunks, subject to the current mode:
//   - pass-through (the start state, and what Heal() restores);
//   - latency: every chunk, either way, is held for the given time before it is relayed;
//   - black hole: connections are still accepted (and kept open), but nothing is relayed either
//     way — every byte read while the hole lasts is dropped, as a network that loses packets;
//   - reset: every open connection is reset (RST, both sides) and so is every new one, until
//     healed;
//   - cut one direction: bytes from the client to the server (or the reverse) are dropped;
//   - a one-shot trigger, ResetAfter(pattern): when a client-to-server chunk contains `pattern`
//     (e.g. PostgreSQL's "COMMIT"), the chunk is forwarded to the server (or dropped), then the
//     client's side is reset and the server's answer never reaches it — an outcome unknown to
//     the client, as a connection broken around COMMIT.
// Heal() goes back to pass-through; connections that survived carry on.
//
// Thread-safety: all relaying runs on the proxy's own thread (one io_context); the control
// methods may be called from any thread: they hand the change to that thread and return once it
// took effect (so the next byte relayed sees it). No lock: the relaying state is confined to the
// proxy's thread; the counters are atomics.
// Failure: the constructor throws std::runtime_error when it cannot listen; an upstream that
// cannot be reached closes the client's connection (as a dead server would).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace keyward_test {

class FaultProxy {
 public:
  explicit FaultProxy(uint16_t upstream_port);
  ~FaultProxy();  // stops the thread and closes every connection
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const { return port_; }

  void Heal();                                   // pass-through
  void SetLatency(std::chrono::milliseconds d);  // added to every chunk, both ways
  void BlackHole();
  void Reset();  // RST now, and every new connection until Heal()
  void CutClientToServer();
  void CutServerToClient();
  // One-shot (see the header comment). `forward` false drops the matching chunk instead: the
  // server never sees it. With `after` set, only a connection whose client already sent `after`
  // (e.g. a value only one request binds) can fire it — so a COMMIT of that request's transaction,
  // not of another connection's. Cleared by Heal() when it has not fired.
  void ResetAfter(std::string pattern, bool forward, std::string after = {});

  // Connections accepted so far, connections reset by the proxy so far, and whether the
  // ResetAfter() trigger fired.
  int accepted() const { return accepted_.load(); }
  int resets() const { return resets_.load(); }
  bool triggered() const { return triggered_.load(); }
  // Connections currently open (client side).
  int open_connections() const { return open_.load(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::atomic<int> resets_{0};
  std::atomic<int> open_{0};
  std::atomic<bool> triggered_{false};
};

}  // namespace keyward_test
