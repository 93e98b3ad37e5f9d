// A small Redis client on hiredis: a fixed pool of blocking connections for commands and scripts,
// and a separate subscriber connection for pub/sub. hiredis stays behind this header.
//
// Pool: `pool_size` connections, each guarded by its own mutex. A thread always uses the same
// slot (chosen once per thread), so with at least as many slots as server threads a request never
// waits for another; there is no global lock. Every connect, read and write has the configured
// timeout. A connection that failed is dropped and re-made on its next use, but not more than
// once per `retry_ms` while no other connection gets through: meanwhile calls on that slot fail at
// once (no request waits for a connect timeout while Redis is known to be down); once any call
// succeeds again, every slot reconnects on its next use.
//
// Failures are values: kUnavailable when Redis cannot be reached, does not answer in time or the
// connection broke; kInternalError for an error reply (the reply's text in the message).
// Thread-safety: RedisPool is safe to use from any thread. A RedisSubscriber is used by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/redis_url.h"
#include "core/status.h"

namespace keyward {

struct RedisOptions {
  RedisUrl url;
  int timeout_ms = 250;  // connect, read and write
  int pool_size = 16;    // connections per node (one per server thread is enough)
  int retry_ms = 200;    // least time between reconnect attempts of one connection
};

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString and kStatus
  std::vector<RedisReply> elements;
};

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
  Result<RedisReply> Command(std::span<const std::string_view> args);
  Result<RedisReply> Command(std::initializer_list<std::string_view> args) {
    return Command(std::span(args.begin(), args.size()));
  }
  // EVALSHA sha numkeys keys... args...; on NOSCRIPT, EVAL with the source (one more round trip,
  // once per connection after Redis restarted or flushed its scripts).
  Result<RedisReply> Eval(const RedisScript& script, std::span<const std::string_view> keys,
                          std::span<const std::string_view> args);
  Status Ping();

  // False after a call failed to reach Redis, true again after one succeeded.
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  const RedisOptions& options() const { return options_; }

 private:
  struct Slot;
  Slot& SlotForThisThread();

  RedisOptions options_;
  const uint64_t id_;  // unique per pool ever made: threads remember their slot by it
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> healthy_{true};
};

// One connection in SUBSCRIBE mode. Connect() (re)connects and subscribes; Poll() waits for one
// message. On any error the connection is closed; call Connect() again.
class RedisSubscriber {
 public:
  explicit RedisSubscriber(RedisOptions options, std::string channel);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  Status Connect();
  bool connected() const { return ctx_ != nullptr; }
  // The next message's payload, nullopt when none arrived within `wait`. kUnavailable (and the
  // connection closed) when it broke.
  Result<std::optional<std::string>> Poll(std::chrono::milliseconds wait);
  void Close();

 private:
  RedisOptions options_;
  std::string channel_;
  void* ctx_ = nullptr;  // redisContext*
};

}  // namespace keyward
