// See redis_connection.h.
#include "limits/redis_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace keyward {
namespace {

Error Unavailable(std::string_view what) {
  return Error(ErrorCode::kUnavailable, "Redis is unavailable: " + std::string(what));
}

// Milliseconds left until `deadline`, at least 0, rounded up.
int MillisLeft(RedisDeadline deadline) {
  const auto left = deadline - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

// Waits for `events` on `fd` until the deadline: 1 ready, 0 timed out, -1 error.
int WaitFor(int fd, short events, RedisDeadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MillisLeft(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) return 0;
    return 1;
  }
}

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool IsIpAddress(const std::string& host) {
  in6_addr a6{};
  in_addr a4{};
  return ::inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

}  // namespace

RedisTls::RedisTls(const RedisOptions& o) {
  // A peer that closes while we write must not kill the process: plain sockets use MSG_NOSIGNAL,
  // OpenSSL's socket writes cannot, so SIGPIPE is ignored once TLS is in use.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { ::signal(SIGPIPE, SIG_IGN); });
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) {
    error_ = "cannot create a TLS context (" + OpenSslError() + ")";
    return;
  }
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const int ca_ok = o.tls_ca_file.empty()
                        ? SSL_CTX_set_default_verify_paths(ctx_)
                        : SSL_CTX_load_verify_locations(ctx_, o.tls_ca_file.c_str(), nullptr);
  if (ca_ok != 1) {
    error_ = o.tls_ca_file.empty()
                 ? "cannot load the system's CA certificates (" + OpenSslError() + ")"
                 : "cannot read redis.tls_ca_file " + o.tls_ca_file + " (" + OpenSslError() + ")";
    return;
  }
  if (!o.tls_cert_file.empty() || !o.tls_key_file.empty()) {
    if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
      error_ = "redis.tls_cert_file and redis.tls_key_file must be set together";
      return;
    }
    if (SSL_CTX_use_certificate_chain_file(ctx_, o.tls_cert_file.c_str()) != 1) {
      error_ = "cannot read redis.tls_cert_file " + o.tls_cert_file + " (" + OpenSslError() + ")";
      return;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, o.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1) {
      error_ = "cannot use redis.tls_key_file " + o.tls_key_file + " (" + OpenSslError() + ")";
      return;
    }
  }
}

RedisTls::~RedisTls() {
  if (ctx_) SSL_CTX_free(ctx_);
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Open(const RedisOptions& o,
                                                               const std::string& host,
                                                               uint16_t port, const RedisTls* tls) {
  const RedisDeadline deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms);
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (tls && !tls->error().empty()) return Unavailable(tls->error());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0) {
    return Unavailable("cannot resolve " + host + " (" + ::gai_strerror(rc) + ")");
  }
  std::string why = "cannot connect to " + where;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      const int w = WaitFor(fd, POLLOUT, deadline);
      int err = 0;
      socklen_t len = sizeof err;
      if (w == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        rc = 0;
      } else {
        why = "cannot connect to " + where + " (" +
              (w == 0 ? std::string("timed out") : std::string(std::strerror(err ? err : errno))) +
              ")";
      }
    } else if (rc != 0) {
      why = "cannot connect to " + where + " (" + std::strerror(errno) + ")";
    }
    if (rc != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return Unavailable(why);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  std::unique_ptr<RedisConnection> c(new RedisConnection(fd, where));
  c->out_.reserve(1024);
  c->in_.reserve(4096);
  if (tls) {
    if (Status st = c->Handshake(*tls, host, deadline); !st.ok()) return st.error();
  }
  auto setup = [&](std::span<const RedisArg> args, const char* what) -> Status {
    Result<RedisReply> r = c->Call(args, deadline);
    if (r.ok()) return Status::Ok();
    if (r.error().code() == ErrorCode::kUnavailable) return r.error();
    // The server's text (e.g. WRONGPASS) names no secret; the password is never quoted.
    return Unavailable(std::string(what) + " refused by " + where + " (" + r.error().message() +
                       ")");
  };
  if (!o.url.password.empty()) {
    RedisArg with_user[3] = {"AUTH", o.url.user, o.url.password};
    RedisArg alone[2] = {"AUTH", o.url.password};
    const std::span<const RedisArg> auth = o.url.user.empty()
                                               ? std::span<const RedisArg>(alone)
                                               : std::span<const RedisArg>(with_user);
    if (Status st = setup(auth, "AUTH"); !st.ok()) return st.error();
  }
  if (o.url.db != 0) {
    RedisArg select[2] = {"SELECT", RedisArg::Number(o.url.db)};
    if (Status st = setup(select, "SELECT"); !st.ok()) return st.error();
  }
  c->UseBlockingMode(o.timeout_ms);
  return c;
}

Status RedisConnection::Handshake(const RedisTls& tls, const std::string& host,
                                  RedisDeadline deadline) {
  ssl_ = SSL_new(tls.ctx());
  if (ssl_ == nullptr) return Fail("cannot start TLS (" + OpenSslError() + ")");
  SSL_set_fd(ssl_, fd_);
  if (IsIpAddress(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());
  }
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl_);
    if (rc == 1) return Status::Ok();
    const int e = SSL_get_error(ssl_, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      const int w = WaitFor(fd_, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
      if (w == 1) continue;
      return Fail("TLS handshake with " + where_ + " timed out");
    }
    const long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      return Fail("TLS certificate of " + where_ +
                  " not accepted: " + X509_verify_cert_error_string(verify));
    }
    return Fail("TLS handshake with " + where_ + " failed (" + OpenSslError() + ")");
  }
}

void RedisConnection::UseBlockingMode(int timeout_ms) {
  // From here on a call is one send() and (usually) one recv() that sleeps until the reply is
  // there: two system calls a round trip instead of four with poll(). SO_RCVTIMEO/SO_SNDTIMEO
  // bound each of them by redis.timeout_ms.
  timeval tv{};
  tv.tv_sec = timeout_ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((timeout_ms % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int flags = ::fcntl(fd_, F_GETFL, 0);
  if (flags >= 0 && ::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK) == 0) blocking_ = true;
}

RedisConnection::~RedisConnection() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

Error RedisConnection::Fail(std::string why) {
  return Unavailable(why);
}

Status RedisConnection::Flush(RedisDeadline deadline) {
  size_t sent = 0;
  while (sent < out_.size()) {
    const char* data = out_.data() + sent;
    const size_t size = out_.size() - sent;
    short wait_for = POLLOUT;
    if (ssl_) {
      ERR_clear_error();
      const int n = SSL_write(ssl_, data, static_cast<int>(size));
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      const int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ) {
        wait_for = POLLIN;
      } else if (e != SSL_ERROR_WANT_WRITE) {
        out_.clear();
        return Fail("TLS write to " + where_ + " failed");
      }
    } else {
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        out_.clear();
        return Fail(std::string("write to ") + where_ + " failed (" + std::strerror(errno) + ")");
      }
    }
    // Blocking mode: the socket's send timeout passed. Non-blocking (set-up): wait for it.
    if (blocking_ || WaitFor(fd_, wait_for, deadline) != 1) {
      out_.clear();
      return Fail("write to " + where_ + " timed out");
    }
  }
  out_.clear();
  return Status::Ok();
}

Status RedisConnection::ReadMore(RedisDeadline deadline) {
  if (in_head_ > 0 && in_head_ * 2 >= in_.size()) {
    in_.erase(0, in_head_);
    in_head_ = 0;
  }
  const size_t old = in_.size();
  const size_t room = std::max<size_t>(4096, in_.capacity() - old);
  in_.resize(old + room);
  for (;;) {
    short wait_for = POLLIN;
    if (ssl_) {
      ERR_clear_error();
      const int n = SSL_read(ssl_, in_.data() + old, static_cast<int>(room));
      if (n > 0) {
        in_.resize(old + static_cast<size_t>(n));
        return Status::Ok();
      }
      const int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_WRITE) {
        wait_for = POLLOUT;
      } else if (e != SSL_ERROR_WANT_READ) {
        in_.resize(old);
        return Fail(e == SSL_ERROR_ZERO_RETURN ? where_ + " closed the connection"
                                               : "TLS read from " + where_ + " failed");
      }
    } else {
      const ssize_t n = ::recv(fd_, in_.data() + old, room, 0);
      if (n < 0 && blocking_ && std::chrono::steady_clock::now() > deadline) {
        in_.resize(old);
        return Fail(where_ + " did not answer in time");
      }
      if (n > 0) {
        in_.resize(old + static_cast<size_t>(n));
        return Status::Ok();
      }
      if (n == 0) {
        in_.resize(old);
        return Fail(where_ + " closed the connection");
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        in_.resize(old);
        return Fail(std::string("read from ") + where_ + " failed (" + std::strerror(errno) + ")");
      }
    }
    // Blocking mode: the socket's receive timeout passed. Non-blocking (set-up): wait for it.
    const int w = blocking_ ? 0 : WaitFor(fd_, wait_for, deadline);
    if (w != 1) {
      in_.resize(old);
      return Fail(w == 0 ? where_ + " did not answer in time" : "poll failed");
    }
  }
}

Result<RedisReply> RedisConnection::Read(RedisDeadline deadline) {
  for (;;) {
    RedisReply reply;
    bool error = false;
    size_t used = 0;
    const std::string_view buffered(in_.data() + in_head_, in_.size() - in_head_);
    const RespParse p = ParseRedisReply(buffered, &reply, &error, &used);
    if (p == RespParse::kBad) return Fail("unexpected bytes from " + where_);
    if (p == RespParse::kDone) {
      in_head_ += used;
      if (error) return Error(ErrorCode::kInternalError, reply.str);
      return reply;
    }
    if (Status st = ReadMore(deadline); !st.ok()) return st.error();
  }
}

Status RedisConnection::ReadIntegers(RedisDeadline deadline, std::span<int64_t> out,
                                     size_t* count) {
  for (;;) {
    bool error = false;
    size_t used = 0;
    const std::string_view buffered(in_.data() + in_head_, in_.size() - in_head_);
    const RespParse p = ParseRedisIntegers(buffered, out, count, &error_text_, &error, &used);
    if (p == RespParse::kBad) {
      // Not the flat integer array the caller expects; read it whole, to say what it was.
      return Fail("unexpected reply from " + where_);
    }
    if (p == RespParse::kDone) {
      in_head_ += used;
      if (error) return Error(ErrorCode::kInternalError, error_text_);
      return Status::Ok();
    }
    if (Status st = ReadMore(deadline); !st.ok()) return st;
  }
}

Result<RedisReply> RedisConnection::Call(std::span<const RedisArg> args, RedisDeadline deadline) {
  AppendRedisCommand(out_, args);
  if (Status st = Flush(deadline); !st.ok()) return st.error();
  return Read(deadline);
}

Result<bool> RedisConnection::WaitReadable(std::chrono::milliseconds wait) {
  if (in_head_ < in_.size()) return true;
  if (ssl_ && SSL_pending(ssl_) > 0) return true;
  const int w = WaitFor(fd_, POLLIN, std::chrono::steady_clock::now() + wait);
  if (w < 0) return Fail("poll failed");
  return w == 1;
}

Result<std::optional<RedisReply>> RedisConnection::TryRead() {
  for (int round = 0; round < 2; ++round) {
    RedisReply reply;
    bool error = false;
    size_t used = 0;
    const std::string_view buffered(in_.data() + in_head_, in_.size() - in_head_);
    const RespParse p = ParseRedisReply(buffered, &reply, &error, &used);
    if (p == RespParse::kBad) return Fail("unexpected bytes from " + where_);
    if (p == RespParse::kDone) {
      in_head_ += used;
      if (error) return Error(ErrorCode::kInternalError, reply.str);
      return std::optional<RedisReply>(std::move(reply));
    }
    if (round == 1) break;
    // Read what is there without waiting (a deadline of now; readable was checked).
    Result<bool> readable = WaitReadable(std::chrono::milliseconds(0));
    if (!readable.ok()) return readable.error();
    if (!*readable) break;
    // The rest of a reply (or of a TLS record) that began to arrive follows at once.
    if (Status st = ReadMore(std::chrono::steady_clock::now() + std::chrono::seconds(1));
        !st.ok()) {
      return st.error();
    }
  }
  return std::optional<RedisReply>();
}

}  // namespace keyward
