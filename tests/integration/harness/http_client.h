// A raw HTTP/1.1 client for the integration tests: one keep-alive connection to a loopback port
// over plain POSIX sockets, and a small response parser (Content-Length, chunked, read-to-close).
// It is deliberately independent of keyward's and Beast's HTTP code, so it can check them.
//
// Failures (connect refused, timeout, malformed answer) throw std::runtime_error saying what
// happened; GoogleTest reports an exception escaping a test body as a failure of that test.
// Thread-safety: an HttpClient is used from one thread at a time; give each thread its own.
// Loading this module makes the test process ignore SIGPIPE (peers may be gone).
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyward_it {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;  // in arrival order, names as sent
  std::string body;

  // The first value of the header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // Every value of the header `name` (case-insensitive), in arrival order.
  std::vector<std::string> header_values(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
  // The body parsed as JSON; throws std::runtime_error (quoting the body) when it is not JSON.
  boost::json::value json() const;
  // The body parsed as a JSON object; throws when it is not one.
  boost::json::object object() const;
};

// "status 400, body {...}" for failure messages.
std::string Describe(const Response& r);
// The integer value of header `name`; throws when it is missing or not an integer.
int64_t IntHeader(const Response& r, std::string_view name);
// Each of the rate-limit headers (X-RateLimit-*, RateLimit-Policy, RateLimit) appears exactly once.
void ExpectEachRateLimitHeaderOnce(const Response& r);

// One HTTP/1.1 connection to 127.0.0.1:port with keep-alive. Request() reuses the connection and
// reconnects (once, transparently) only when a reused idle connection turns out closed before any
// byte of the answer arrived. Every read has a receive timeout (default 10 s) so a hung server
// fails the test instead of hanging it.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) = delete;

  // Sends one request and reads its response. Adds Host and, when `body` is set, Content-Length
  // (and Content-Type: application/json unless `headers` has a Content-Type).
  Response Request(std::string_view method, std::string_view target, const Headers& headers = {},
                   std::optional<std::string> body = std::nullopt);
  Response Get(std::string_view target, const Headers& headers = {});
  Response Post(std::string_view target, const boost::json::value& body,
                const Headers& headers = {});
  Response PostRaw(std::string_view target, std::string body, const Headers& headers = {});
  Response Delete(std::string_view target, const Headers& headers = {});

  // Raw access for pipelining, oversized headers and garbage. Connects if needed.
  // SendRaw returns false (instead of throwing) when the peer closed or reset the connection
  // while sending, so a test can still read an early answer such as 413 or 431.
  bool SendRaw(std::string_view bytes);
  // Reads one response from the connection (after SendRaw or for pipelined requests).
  // Throws when the connection closes before a complete response or the read times out.
  Response ReadResponse();
  // Like ReadResponse, but nullopt when the peer closed/reset before any byte of a response.
  std::optional<Response> TryReadResponse();
  // True when the peer closed the connection (EOF or reset) within `wait`, with no more data.
  bool PeerClosed(std::chrono::milliseconds wait);

  void Close();
  bool connected() const { return fd_ >= 0; }
  int connections_opened() const { return connections_opened_; }
  uint16_t port() const { return port_; }

 private:
  void Connect();
  void SendAll(std::string_view bytes);  // throws on error
  bool Fill();                           // reads more bytes into buf_; false on EOF
  Response ParseOne();                   // from buf_ (+ reads), throws on EOF/timeout

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buf_;
  int connections_opened_ = 0;
  bool reused_ = false;  // the connection already carried a complete exchange
};

}  // namespace keyward_it
