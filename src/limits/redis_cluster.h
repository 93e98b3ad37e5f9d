// The Redis Cluster side of the client (redis+cluster://, API.md 16): RedisPool hands every call to
// a RedisCluster when the URL names one. The cluster routes each call to the primary that serves
// the slot of its first key (core/redis_slot.h: CRC16 of the key's hash tag); callers put every key
// of one call on one slot with a hash tag (the limiter and the credit meter tag by account).
//
// Slot map: loaded with CLUSTER SLOTS from any reachable node (the known nodes first, then the
// URL's seeds), kept as one atomic node index per slot — read without a lock on the hot path.
// Nodes are only ever added (at most kMaxNodes), each with its own per-thread connection slots
// exactly like RedisPool's (a thread keeps its slot index for the pool's life; no global lock, no
// allocation once warm). Redirections: MOVED → the slot is pointed at the named node, the map is
// reloaded, and the call is retried there; ASK → ASKING and the call on the named node, once.
// TRYAGAIN and CLUSTERDOWN are kUnavailable (never a weaker fallback); so is a node that cannot be
// reached (and the map is reloaded, at most once per retry_ms, so that a promoted replica is
// found). Every attempt is bounded by timeout_ms; a call follows at most kMaxHops redirections.
// Connections: plain TCP with the URL's AUTH (API.md names no TLS form of a cluster URL).
//
// Failure: values, as RedisPool's (kUnavailable with a reason for /readyz, no secret; an error
// reply is kInternalError with its text). Ping() is the readiness check: the map is loaded, every
// slot has a primary, every primary answers PING, and CLUSTER INFO says cluster_state:ok.
// Thread-safety: safe from any thread; the map reload is serialised by its own mutex.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/redis_slot.h"
#include "core/status.h"
#include "limits/redis_connection.h"
#include "limits/redis_resp.h"

namespace keyward {

// One range of CLUSTER SLOTS: slots first..last served by the primary host:port.
struct ClusterSlotRange {
  uint16_t first = 0;
  uint16_t last = 0;
  std::string host;
  uint16_t port = 0;
};
// Parses a CLUSTER SLOTS reply. A primary listed with an empty host ("" or "?": the node does not
// know its own address) is taken to be on `answered_by_host`. kInternalError when malformed.
Result<std::vector<ClusterSlotRange>> ParseClusterSlots(const RedisReply& reply,
                                                        std::string_view answered_by_host);

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381" (an error reply's text).
struct ClusterRedirect {
  bool ask = false;
  uint16_t slot = 0;
  std::string host;
  uint16_t port = 0;
};
std::optional<ClusterRedirect> ParseClusterRedirect(std::string_view error_text);

// The slot a key argument lives on (its tag when it carries one).
uint16_t RedisArgSlot(const RedisArg& key);

// A borrowed callable Status(RedisConnection&, RedisDeadline): no allocation.
class RedisCall {
 public:
  template <typename F>
  static RedisCall Of(F& f) {
    RedisCall c;
    c.obj_ = &f;
    c.fn_ = [](void* o, RedisConnection& conn, RedisDeadline d) -> Status {
      return (*static_cast<F*>(o))(conn, d);
    };
    return c;
  }
  Status operator()(RedisConnection& c, RedisDeadline d) const { return fn_(obj_, c, d); }

 private:
  RedisCall() = default;
  void* obj_ = nullptr;
  Status (*fn_)(void*, RedisConnection&, RedisDeadline) = nullptr;
};

// A connection to the first cluster node that answers, starting each time at the next seed (so a
// reconnecting subscriber moves on from a node that failed). For pub/sub: classic PUBLISH reaches
// every node of a cluster.
Result<std::unique_ptr<RedisConnection>> ConnectToAnyClusterNode(const RedisOptions& options);

class RedisCluster {
 public:
  static constexpr size_t kMaxNodes = 64;
  static constexpr int kMaxHops = 5;

  explicit RedisCluster(RedisOptions options);
  ~RedisCluster();
  RedisCluster(const RedisCluster&) = delete;
  RedisCluster& operator=(const RedisCluster&) = delete;

  // Runs `call` on the primary of `slot`, following MOVED/ASK.
  Status Run(uint16_t slot, RedisCall call);
  // The calls of RedisPool, routed by their first key (a command by its first argument).
  Result<RedisReply> Command(std::span<const RedisArg> args);
  Result<RedisReply> Eval(std::string_view sha1, std::string_view source,
                          std::span<const RedisArg> keys, std::span<const RedisArg> args);
  Status EvalIntegers(std::string_view sha1, std::string_view source,
                      std::span<const RedisArg> keys, std::span<const RedisArg> args,
                      std::span<int64_t> out, size_t* count);
  // Readiness (see the header comment).
  Status Ping();
  // Reloads the slot map from the first node that answers CLUSTER SLOTS.
  Status Refresh();

  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  std::string last_error() const;
  // "host:port" of the primary the map names for `slot` ("" when none); for tests and messages.
  std::string NodeForSlot(uint16_t slot) const;
  // "host:port" of every primary that serves at least one slot, in node order.
  std::vector<std::string> Primaries() const;
  // One slot served by each primary, to address a node through Run (e.g. SCAN on every primary).
  std::vector<uint16_t> SlotPerPrimary() const;

 private:
  struct Slot;
  struct Node;
  static constexpr uint8_t kNoNode = 0xff;

  Status OnNode(Node& node, bool asking, RedisCall call);
  // The node for host:port, added when new; -1 when kMaxNodes are known already.
  int FindOrAddNode(const std::string& host, uint16_t port);
  // Reloads the map unless it was reloaded within retry_ms, or (without `wait`) another thread
  // is reloading it. With `wait` (no map yet), waits for a reload under way instead.
  void RefreshSoon(bool wait);
  Status RefreshLocked() REQUIRES(refresh_mu_);
  Status NoteFailure(Error e);

  const RedisOptions options_;
  const uint64_t id_;  // per-thread slot choice, as RedisPool's
  std::atomic<size_t> next_slot_{0};
  std::array<std::unique_ptr<Node>, kMaxNodes> nodes_;  // [0, node_count_) set, never removed
  std::atomic<size_t> node_count_{0};
  std::array<std::atomic<uint8_t>, kRedisClusterSlots> owner_;  // node index or kNoNode
  std::atomic<bool> map_loaded_{false};
  std::atomic<bool> healthy_{true};
  Mutex nodes_mu_;    // adding a node
  Mutex refresh_mu_;  // one map reload at a time
  std::chrono::steady_clock::time_point last_refresh_ GUARDED_BY(refresh_mu_);
  mutable Mutex error_mu_;
  std::string last_error_ GUARDED_BY(error_mu_);
};

}  // namespace keyward
