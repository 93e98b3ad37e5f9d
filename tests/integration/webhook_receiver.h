// A webhook receiver inside the test binary (API.md 14): a plain-HTTP listener on a free loopback
// port with a thread per connection. It records every POST (headers with lower-case names, the
// raw body) and answers with the next status of a script (then the last one for ever), so a test
// can say "500, then 200". Stop() closes the port (a dead receiver); Start() listens again on the
// same port. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward_it {

struct ReceivedWebhook {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class WebhookReceiver {
 public:
  WebhookReceiver();  // listens at once on 127.0.0.1:<free port>
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // The statuses of the next answers, in order; the last one repeats. Default: {200}.
  void Script(std::vector<int> statuses);
  std::vector<ReceivedWebhook> received() const;
  size_t count() const;

  void Stop();   // closes the listener and every connection
  void Start();  // listens again on the same port

 private:
  void AcceptLoop(int listen_fd);
  void Serve(int fd);
  int NextStatus();

  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  int listen_fd_ = -1;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<int> script_{200};           // guarded by mu_
  size_t answered_ = 0;                    // guarded by mu_
  std::vector<ReceivedWebhook> received_;  // guarded by mu_
  std::vector<int> fds_;                   // guarded by mu_
  std::vector<std::thread> threads_;       // guarded by mu_
};

// Lower-case hex HMAC-SHA256(key, message), computed here with OpenSSL, independently of keyward.
std::string TestHmacSha256Hex(const std::string& key, const std::string& message);

}  // namespace keyward_it
