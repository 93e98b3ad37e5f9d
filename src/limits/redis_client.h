// A small Redis client: a fixed pool of blocking connections for commands and scripts, and a
// separate subscriber connection for pub/sub, over RedisConnection (plain TCP or TLS, RESP parsed
// in place: redis_connection.h, redis_resp.h).
//
// Pool: `pool_size` connections, each guarded by its own mutex. A thread always uses the same
// slot (chosen once per thread), so with at least as many slots as server threads a request never
// waits for another; there is no global lock. Every call is bounded by `timeout_ms` (connect,
// TLS handshake, write and read of one attempt). A connection that failed is dropped and re-made
// on its next use, but not more than once per `retry_ms` while no other connection gets through:
// meanwhile calls on that slot fail at once (no request waits for a connect timeout while Redis
// is known to be down); once any call succeeds again, every slot reconnects on its next use.
// EvalIntegers, the hot path, encodes into and parses from the slot's own buffers: no allocation.
//
// Sentinel (redis+sentinel://): every new connection asks the sentinels in turn for the primary
// (SENTINEL get-master-addr-by-name), connects to it and checks ROLE says "master". A connection
// that breaks, or whose server answers READONLY (demoted by a failover), is dropped; the next
// call reconnects and so asks the sentinels again — that is how a failover is followed without
// a restart. The subscriber does the same when it reconnects, and IndexSync then resyncs; it also
// asks the sentinels once a second whether its server is still the primary, and reconnects when
// not (a demoted primary keeps its pub/sub clients).
//
// Cluster (redis+cluster://): every call goes to a RedisCluster (limits/redis_cluster.h), which
// routes it to the primary of its first key's slot and follows MOVED/ASK; the subscriber connects
// to any node of the cluster (classic pub/sub reaches them all) and moves to the next on failure.
//
// Failures are values: kUnavailable when Redis cannot be reached as configured (refused, timed
// out, TLS certificate or host name not accepted, AUTH refused), does not answer in time or the
// connection broke — never a fallback to anything weaker; kInternalError for an error reply (the
// reply's text in the message). last_error() keeps the latest reason for /readyz (no secret).
// Thread-safety: RedisPool is safe to use from any thread. A RedisSubscriber is used by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/mutex.h"
#include "core/redis_url.h"
#include "core/status.h"
#include "limits/redis_cluster.h"
#include "limits/redis_connection.h"
#include "limits/redis_resp.h"

namespace keyward {

// A connection to the server the options name: the URL's host, or for redis+sentinel:// the
// primary the sentinels name (checked with ROLE). kUnavailable with the reason otherwise.
Result<std::unique_ptr<RedisConnection>> ConnectToPrimary(const RedisOptions& options,
                                                          const RedisTls* tls);

// A Lua script known by its SHA-1, run with EVALSHA and loaded with EVAL on NOSCRIPT.
struct RedisScript {
  explicit RedisScript(std::string source);
  std::string source;
  std::string sha1;  // hex
};

class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // One command, e.g. {"SET", "k", "v"}.
  Result<RedisReply> Command(std::span<const RedisArg> args);
  Result<RedisReply> Command(std::initializer_list<RedisArg> args) {
    return Command(std::span(args.begin(), args.size()));
  }
  // EVALSHA sha numkeys keys... args...; on NOSCRIPT, EVAL with the source (one more round trip,
  // once per connection after Redis restarted or flushed its scripts).
  Result<RedisReply> Eval(const RedisScript& script, std::span<const RedisArg> keys,
                          std::span<const RedisArg> args);
  // The same for a script that answers a flat array of integers: `*count` of them into `out`
  // (more than out.size() is an error). No allocation once the slot's buffers have grown.
  Status EvalIntegers(const RedisScript& script, std::span<const RedisArg> keys,
                      std::span<const RedisArg> args, std::span<int64_t> out, size_t* count);
  Status Ping();

  // False after a call failed to reach Redis, true again after one succeeded.
  bool healthy() const {
    return cluster_ ? cluster_->healthy() : healthy_.load(std::memory_order_relaxed);
  }
  // Why the latest failed call failed ("" when none did yet).
  std::string last_error() const;
  const RedisOptions& options() const { return options_; }
  const RedisTls* tls() const { return tls_.get(); }
  // redis+cluster:// only (null otherwise): the cluster every call is routed through.
  RedisCluster* cluster() const { return cluster_.get(); }

 private:
  struct Slot;
  Slot& SlotForThisThread();
  // Runs `call` on this thread's connection (connecting first if needed); drops the connection
  // and records the reason when it reports kUnavailable.
  template <typename Call>
  Status OnConnection(Call&& call);
  void NoteFailure(const Error& e);

  RedisOptions options_;
  std::unique_ptr<RedisTls> tls_;  // rediss:// only
  const uint64_t id_;              // unique per pool ever made: threads remember their slot by it
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> healthy_{true};
  mutable Mutex error_mu_;
  std::string last_error_ GUARDED_BY(error_mu_);
  std::unique_ptr<RedisCluster> cluster_;  // redis+cluster:// only
};

// One connection in SUBSCRIBE mode. Connect() (re)connects and subscribes; Poll() waits for one
// message. On any error the connection is closed; call Connect() again.
class RedisSubscriber {
 public:
  // `tls` (may be null for redis://) must outlive the subscriber.
  RedisSubscriber(RedisOptions options, const RedisTls* tls, std::string channel);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  Status Connect();
  bool connected() const { return conn_ != nullptr; }
  // The next message's payload, nullopt when none arrived within `wait`. kUnavailable (and the
  // connection closed) when it broke.
  Result<std::optional<std::string>> Poll(std::chrono::milliseconds wait);
  void Close();

 private:
  // Sentinel: whether the sentinels still name the server this connection is on (asked at most
  // once a second). A demoted primary may keep its subscribers; this moves them.
  bool PrimaryMoved();

  RedisOptions options_;
  const RedisTls* tls_;
  std::string channel_;
  std::unique_ptr<RedisConnection> conn_;
  std::chrono::steady_clock::time_point next_primary_check_;
};

}  // namespace keyward
