// The raw HTTP/1.1 client of the integration tests: see http_client.h.
#include "harness/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "harness/strings.h"

namespace keyward_it {
namespace {

// A test process writes to sockets and pipes whose peer may be gone; never die of SIGPIPE.
const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

// Sends everything; 0 or the errno of the failure.
int SendBytes(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Response::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) out.push_back(v);
  }
  return out;
}

boost::json::value Response::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec)
    throw std::runtime_error("response body is not JSON (" + ec.message() +
                             "): " + Describe(*this));
  return v;
}

boost::json::object Response::object() const {
  auto v = json();
  if (!v.is_object())
    throw std::runtime_error("response body is not a JSON object: " + Describe(*this));
  return v.as_object();
}

std::string Describe(const Response& r) {
  std::ostringstream os;
  os << "HTTP " << r.status << " " << r.reason << " [";
  bool first = true;
  for (const auto& [k, v] : r.headers) {
    os << (first ? "" : "; ") << k << ": " << v;
    first = false;
  }
  os << "] body: ";
  if (r.body.size() > 2000) {
    os << r.body.substr(0, 2000) << "...(" << r.body.size() << " bytes)";
  } else {
    os << r.body;
  }
  return os.str();
}

int64_t IntHeader(const Response& r, std::string_view name) {
  auto v = r.header(name);
  if (!v) throw std::runtime_error("missing header " + std::string(name) + ": " + Describe(r));
  size_t pos = 0;
  int64_t n = std::stoll(*v, &pos);
  if (pos != v->size()) {
    throw std::runtime_error("header " + std::string(name) + " is not an integer: " + *v);
  }
  return n;
}

void ExpectEachRateLimitHeaderOnce(const Response& r) {
  for (const char* h : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                        "RateLimit-Policy", "RateLimit"}) {
    EXPECT_EQ(r.header_values(h).size(), 1u) << h << " in " << Describe(r);
  }
}

// ---------------------------------------------------------------------------------------------
// HttpClient
// ---------------------------------------------------------------------------------------------

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds timeout)
    : port_(port), timeout_(timeout) {}

HttpClient::~HttpClient() {
  Close();
}

HttpClient::HttpClient(HttpClient&& other) noexcept
    : port_(other.port_),
      timeout_(other.timeout_),
      fd_(other.fd_),
      buf_(std::move(other.buf_)),
      connections_opened_(other.connections_opened_),
      reused_(other.reused_) {
  other.fd_ = -1;
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  reused_ = false;
}

void HttpClient::Connect() {
  Close();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string e = ErrnoText("connect");
    ::close(fd);
    throw std::runtime_error(e + " (port " + std::to_string(port_) + ")");
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
  ++connections_opened_;
}

void HttpClient::SendAll(std::string_view bytes) {
  int err = SendBytes(fd_, bytes);
  if (err == EAGAIN || err == EWOULDBLOCK) throw std::runtime_error("send timed out");
  if (err != 0) throw std::runtime_error(std::string("send: ") + std::strerror(err));
}

bool HttpClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) Connect();
  int err = SendBytes(fd_, bytes);
  if (err == 0) return true;
  if (err == EPIPE || err == ECONNRESET) return false;
  if (err == EAGAIN || err == EWOULDBLOCK) throw std::runtime_error("send timed out");
  throw std::runtime_error(std::string("send: ") + std::strerror(err));
}

bool HttpClient::Fill() {
  if (fd_ < 0) return false;
  char tmp[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      throw std::runtime_error("timed out after " + std::to_string(timeout_.count()) +
                               " ms waiting for the server's response");
    }
    if (errno == ECONNRESET) return false;
    throw std::runtime_error(ErrnoText("recv"));
  }
}

Response HttpClient::ParseOne() {
  for (;;) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        throw std::runtime_error("connection closed before a complete response header (" +
                                 std::to_string(buf_.size()) + " bytes received)");
      }
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    Response r;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // HTTP/1.1 200 OK
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
      throw std::runtime_error("malformed status line: " + line);
    }
    r.status = std::stoi(line.substr(9, 3));
    r.reason = line.size() > 13 ? line.substr(13) : "";
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) throw std::runtime_error("malformed header line: " + line);
      r.headers.emplace_back(line.substr(0, colon), Trim(std::string_view(line).substr(colon + 1)));
    }
    if (r.status >= 100 && r.status < 200) continue;  // interim response

    auto te = r.header("Transfer-Encoding");
    auto cl = r.header("Content-Length");
    if (te && te->find("chunked") != std::string::npos) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) throw std::runtime_error("connection closed inside a chunk size line");
        }
        std::string size_line = buf_.substr(0, eol);
        size_t semi = size_line.find(';');
        if (semi != std::string::npos) size_line.resize(semi);
        size_t size = std::stoul(Trim(size_line), nullptr, 16);
        buf_.erase(0, eol + 2);
        if (size == 0) {
          // trailers, then an empty line
          for (;;) {
            while ((eol = buf_.find("\r\n")) == std::string::npos) {
              if (!Fill()) throw std::runtime_error("connection closed inside chunked trailers");
            }
            bool empty = eol == 0;
            buf_.erase(0, eol + 2);
            if (empty) break;
          }
          break;
        }
        while (buf_.size() < size + 2) {
          if (!Fill()) throw std::runtime_error("connection closed inside a chunk");
        }
        r.body.append(buf_, 0, size);
        buf_.erase(0, size + 2);
      }
    } else if (cl) {
      size_t n = std::stoul(*cl);
      while (buf_.size() < n) {
        if (!Fill()) {
          throw std::runtime_error("connection closed after " + std::to_string(buf_.size()) +
                                   " of " + std::to_string(n) + " body bytes");
        }
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (r.status == 204 || r.status == 304) {
      // no body
    } else {
      while (Fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
      Close();
      return r;
    }
    auto conn = r.header("Connection");
    if (conn && IEquals(Trim(*conn), "close")) {
      Close();
    } else {
      reused_ = true;
    }
    return r;
  }
}

Response HttpClient::ReadResponse() {
  if (fd_ < 0 && buf_.empty()) throw std::runtime_error("ReadResponse on a closed connection");
  return ParseOne();
}

std::optional<Response> HttpClient::TryReadResponse() {
  if (buf_.empty()) {
    if (fd_ < 0) return std::nullopt;
    if (!Fill()) {
      Close();
      return std::nullopt;
    }
  }
  return ParseOne();
}

bool HttpClient::PeerClosed(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (n <= 0) return false;
  char c;
  ssize_t r = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
  return false;
}

Response HttpClient::Request(std::string_view method, std::string_view target,
                             const Headers& headers, std::optional<std::string> body) {
  std::string req;
  req.reserve(256 + (body ? body->size() : 0));
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false, has_ct = false;
  for (const auto& [k, v] : headers) {
    if (IEquals(k, "Host")) has_host = true;
    if (IEquals(k, "Content-Type")) has_ct = true;
  }
  if (!has_host) req.append("Host: 127.0.0.1:").append(std::to_string(port_)).append("\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  if (body) {
    if (!has_ct) req.append("Content-Type: application/json\r\n");
    req.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
  }
  req.append("\r\n");
  if (body) req.append(*body);

  for (int attempt = 0;; ++attempt) {
    if (fd_ < 0) Connect();
    const bool was_reused = reused_;
    SendRaw(req);  // even when the server stopped reading, it may have answered (413, 431)
    std::optional<Response> r = TryReadResponse();
    if (r) return std::move(*r);
    Close();
    if (was_reused && attempt == 0) continue;  // an idle keep-alive connection the server closed
    throw std::runtime_error("connection closed by the server before any response to " +
                             std::string(method) + " " + std::string(target));
  }
}

Response HttpClient::Get(std::string_view target, const Headers& headers) {
  return Request("GET", target, headers);
}

Response HttpClient::Post(std::string_view target, const boost::json::value& body,
                          const Headers& headers) {
  return Request("POST", target, headers, boost::json::serialize(body));
}

Response HttpClient::PostRaw(std::string_view target, std::string body, const Headers& headers) {
  return Request("POST", target, headers, std::move(body));
}

Response HttpClient::Delete(std::string_view target, const Headers& headers) {
  return Request("DELETE", target, headers);
}

}  // namespace keyward_it
