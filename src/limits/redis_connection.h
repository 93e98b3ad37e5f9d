// One blocking connection to a Redis server, plain TCP or TLS (rediss://), with its own RESP
// buffers: commands are encoded into out() and sent by Flush; replies are read into a reused
// buffer and parsed in place (redis_resp.h), so a call on the hot path allocates nothing once the
// buffers have grown to their working size.
//
// Every step is bounded by redis.timeout_ms: connect, TLS handshake and set-up on a non-blocking
// socket waited on with poll() until the call's deadline; then the socket blocks, each send and
// receive timing out after timeout_ms (SO_SNDTIMEO/SO_RCVTIMEO), so a round trip is two system
// calls; a reply still incomplete after the deadline fails the call. TLS (RedisTls): the server's
// certificate must chain to tls_ca_file (or the system's store) and name the host of the URL (DNS
// name or IP address, OpenSSL's host check), SNI is sent for names, TLS 1.2 at least; an optional
// client certificate. A failed check is a failed connection — there is no fallback to plain TCP.
// Open() authenticates (AUTH [user] password) and selects the database.
//
// Failure: every error is kUnavailable with a reason meant for /readyz and the log ("TLS
// certificate of 127.0.0.1:6380 not accepted: unable to get local issuer certificate") —
// never a password; after one the connection must be dropped. An error reply is kInternalError
// with the server's text and leaves the connection usable.
// Thread-safety: one thread at a time (the pool's slot mutex); RedisTls is immutable and shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/redis_url.h"
#include "core/status.h"
#include "limits/redis_resp.h"

struct ssl_ctx_st;
struct ssl_st;

namespace keyward {

struct RedisOptions {
  RedisUrl url;
  int timeout_ms = 250;           // connect, read and write
  int pool_size = 16;             // connections per node (one per server thread is enough)
  int retry_ms = 200;             // least time between reconnect attempts of one connection
  std::string tls_ca_file;        // rediss://: CA bundle (empty: the system's)
  std::string tls_cert_file;      // optional client certificate (PEM) ...
  std::string tls_key_file;       // ... and its key
  std::string sentinel_password;  // redis+sentinel://: AUTH to the sentinels (empty: none)
};

// The client side of TLS for rediss://, built once from the options. When the CA bundle or the
// client certificate cannot be loaded, every connection fails with that reason.
class RedisTls {
 public:
  explicit RedisTls(const RedisOptions& options);
  ~RedisTls();
  RedisTls(const RedisTls&) = delete;
  RedisTls& operator=(const RedisTls&) = delete;
  ssl_ctx_st* ctx() const { return ctx_; }
  const std::string& error() const { return error_; }  // empty when usable

 private:
  ssl_ctx_st* ctx_ = nullptr;
  std::string error_;
};

using RedisDeadline = std::chrono::steady_clock::time_point;

class RedisConnection {
 public:
  // Connects to `host`:`port` (TLS when `tls` is given), authenticates and selects the database
  // of `options.url`.
  static Result<std::unique_ptr<RedisConnection>> Open(const RedisOptions& options,
                                                       const std::string& host, uint16_t port,
                                                       const RedisTls* tls);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // The pending output; append commands with AppendRedisCommand, then Flush.
  std::string& out() { return out_; }
  Status Flush(RedisDeadline deadline);
  // The next reply (an error reply: kInternalError with its text).
  Result<RedisReply> Read(RedisDeadline deadline);
  // The next reply as a flat array of integers into `out`; `*count` of them.
  Status ReadIntegers(RedisDeadline deadline, std::span<int64_t> out, size_t* count);
  // Sends one command and reads its reply.
  Result<RedisReply> Call(std::span<const RedisArg> args, RedisDeadline deadline);

  // Pub/sub: true when a whole reply is already buffered or bytes arrive within `wait`.
  Result<bool> WaitReadable(std::chrono::milliseconds wait);
  // Non-blocking: the next reply if a whole one is buffered (after reading what is there).
  Result<std::optional<RedisReply>> TryRead();

  const std::string& where() const { return where_; }

 private:
  RedisConnection(int fd, std::string where) : fd_(fd), where_(std::move(where)) {}
  Status Handshake(const RedisTls& tls, const std::string& host, RedisDeadline deadline);
  // After set-up: a blocking socket whose every send and receive times out after `timeout_ms`.
  void UseBlockingMode(int timeout_ms);
  // Reads what is available (waiting until `deadline` for at least one byte).
  Status ReadMore(RedisDeadline deadline);
  Error Fail(std::string why);

  int fd_ = -1;
  bool blocking_ = false;  // set-up is non-blocking (poll with the deadline); calls then block
  ssl_st* ssl_ = nullptr;
  std::string where_;  // "host:port", for messages
  std::string out_;
  std::string in_;
  size_t in_head_ = 0;  // parsed bytes at the front of in_
  std::string error_text_;
};

}  // namespace keyward
