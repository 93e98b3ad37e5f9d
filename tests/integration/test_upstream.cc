#include "test_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <stdexcept>

namespace keyward_it {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool SendAll(int fd, const std::string& s) {
  return SendAll(fd, s.data(), s.size());
}

uint64_t QueryNumber(const std::string& target, const std::string& name) {
  const size_t q = target.find('?');
  if (q == std::string::npos) return 0;
  const std::string key = name + "=";
  size_t at = target.find(key, q);
  if (at == std::string::npos) return 0;
  return std::strtoull(target.c_str() + at + key.size(), nullptr, 10);
}

// Buffered reads from one connection.
class Conn {
 public:
  explicit Conn(int fd) : fd_(fd) {}
  bool Fill() {
    char tmp[65536];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  bool Line(std::string* out) {
    for (;;) {
      size_t nl = buf_.find("\r\n", pos_);
      if (nl != std::string::npos) {
        *out = buf_.substr(pos_, nl - pos_);
        pos_ = nl + 2;
        Compact();
        return true;
      }
      if (!Fill()) return false;
    }
  }
  // Consumes n bytes, hashing them.
  bool Body(uint64_t n, uint64_t* hash) {
    while (n > 0) {
      if (pos_ == buf_.size() && !Fill()) return false;
      size_t take = static_cast<size_t>(std::min<uint64_t>(n, buf_.size() - pos_));
      *hash = Fnv1a(buf_.data() + pos_, take, *hash);
      pos_ += take;
      n -= take;
      Compact();
    }
    return true;
  }

 private:
  void Compact() {
    if (pos_ > 65536 || pos_ == buf_.size()) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }
  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace

uint64_t Fnv1a(const void* data, size_t n, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex64(uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

TestUpstream::TestUpstream() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("test upstream: socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("test upstream: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestUpstream::~TestUpstream() {
  Stop();
}

void TestUpstream::Stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mu_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

int TestUpstream::hits(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = hits_.find(path);
  return it == hits_.end() ? 0 : it->second;
}

void TestUpstream::AcceptLoop() {
  while (!stopping_) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (stopping_) return;
      continue;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connections_.fetch_add(1);
    std::lock_guard lock(mu_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestUpstream::Serve(int fd) {
  Conn conn(fd);
  for (;;) {
    std::string line;
    if (!conn.Line(&line) || line.empty()) break;
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) break;
    const std::string method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string path = target.substr(0, target.find('?'));
    boost::json::object headers;
    uint64_t content_length = 0;
    bool chunked = false, close = false;
    for (;;) {
      std::string h;
      if (!conn.Line(&h)) goto done;
      if (h.empty()) break;
      const size_t colon = h.find(':');
      if (colon == std::string::npos) goto done;
      std::string name = Lower(h.substr(0, colon)), value = Trim(h.substr(colon + 1));
      if (name == "content-length") content_length = std::strtoull(value.c_str(), nullptr, 10);
      if (name == "transfer-encoding" && Lower(value).find("chunked") != std::string::npos) {
        chunked = true;
      }
      if (name == "connection" && Lower(value) == "close") close = true;
      if (headers.contains(name)) {
        headers[name] = std::string(headers[name].as_string()) + ", " + value;
      } else {
        headers[name] = value;
      }
    }
    {
      uint64_t hash = 1469598103934665603ull, bytes = 0;
      if (chunked) {
        for (;;) {
          std::string size_line;
          if (!conn.Line(&size_line)) goto done;
          uint64_t n = std::strtoull(size_line.c_str(), nullptr, 16);
          if (n == 0) {
            std::string trailer;
            do {
              if (!conn.Line(&trailer)) goto done;
            } while (!trailer.empty());
            break;
          }
          if (!conn.Body(n, &hash)) goto done;
          bytes += n;
          std::string crlf;
          if (!conn.Line(&crlf)) goto done;
        }
      } else {
        if (!conn.Body(content_length, &hash)) goto done;
        bytes = content_length;
      }
      {
        std::lock_guard lock(mu_);
        ++hits_[path];
      }
      if (path == "/slow") {
        const auto until =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(QueryNumber(target, "ms"));
        while (!stopping_ && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }
      const std::string conn_hdr = close ? "Connection: close\r\n" : "";
      if (path == "/big" || path == "/chunked") {
        const uint64_t n = QueryNumber(target, "bytes");
        const bool ch = path == "/chunked";
        std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" +
                           conn_hdr +
                           (ch ? std::string("Transfer-Encoding: chunked\r\n")
                               : "Content-Length: " + std::to_string(n) + "\r\n") +
                           "\r\n";
        if (!SendAll(fd, head)) goto done;
        std::string block(65536, 'x');
        for (uint64_t sent = 0; sent < n;) {
          const size_t take = static_cast<size_t>(std::min<uint64_t>(block.size(), n - sent));
          for (size_t i = 0; i < take; ++i) block[i] = PatternByte(sent + i);
          if (ch) {
            char size[32];
            std::snprintf(size, sizeof size, "%zx\r\n", take);
            if (!SendAll(fd, size, std::strlen(size))) goto done;
          }
          if (!SendAll(fd, block.data(), take)) goto done;
          if (ch && !SendAll(fd, "\r\n", 2)) goto done;
          sent += take;
        }
        if (ch && !SendAll(fd, "0\r\n\r\n", 5)) goto done;
      } else {
        boost::json::object o;
        o["method"] = method;
        o["target"] = target;
        o["headers"] = headers;
        o["body_bytes"] = bytes;
        o["body_fnv"] = Hex64(hash);
        const std::string body = boost::json::serialize(o);
        std::string res = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + conn_hdr +
                          "X-Upstream: test\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body;
        if (method == "HEAD") res.resize(res.size() - body.size());
        if (!SendAll(fd, res)) goto done;
      }
      if (close) break;
    }
  }
done:
  ::shutdown(fd, SHUT_RDWR);
  std::lock_guard lock(mu_);
  fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end());
  ::close(fd);
}

}  // namespace keyward_it
