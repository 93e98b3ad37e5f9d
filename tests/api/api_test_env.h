// The in-process environment of the route tests: the real domain (Services over a SQLite store on
// a temporary file, a ManualClock) and the real Api, called through Api::Handle with no sockets.
// Every construction of that environment lives here (api_test_env.cc), so that a change in how
// Services or Api are built touches this one file.
//
// Each test gets a fresh environment (a new temporary directory, removed at the end). Not
// thread-safe: one test thread drives it, as the server's session would drive one request.
// Construction failures (the store does not open, the index does not load) throw
// std::runtime_error; GoogleTest reports that as the test's failure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "http/http_types.h"
#include "service/settings.h"

namespace keyward {
class Api;
class Services;
}  // namespace keyward

namespace keyward::api_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What a test may vary about the environment.
struct EnvOptions {
  ServiceSettings service;                 // the domain's settings (defaults: keyward's defaults)
  int64_t auth_failures_per_minute = 600;  // ApiSettings: the failed-authentication throttle
  bool loopback_only_verifier = true;      // verifier.allow_from = loopback (the default)
};

// One request as a client would send it. Owns its bytes; HttpRequest views them.
struct Request {
  std::string method = "GET";
  std::string target = "/";  // path and query
  Headers headers;
  std::string body;
  std::string peer = "127.0.0.1";  // the socket's peer address
  bool tls = false;
};

// The answer and the request id the request carried (error bodies must repeat it).
struct Answer {
  HttpResponse response;
  std::string request_id;

  int status() const { return response.status; }
};

class ApiTestEnv {
 public:
  explicit ApiTestEnv(EnvOptions options = {});
  ~ApiTestEnv();
  ApiTestEnv(const ApiTestEnv&) = delete;
  ApiTestEnv& operator=(const ApiTestEnv&) = delete;

  // Runs `request` through Api::Handle, with a fresh request id (req_ + 24 base62).
  Answer Call(const Request& request);

  // The operator's first admin key (ak_...), made when the environment is built.
  const std::string& admin_key() const { return admin_key_; }
  // Another admin key (as `keyward admin-key create` would make one).
  std::string NewAdminKey();

  // Claims `key` in `scope` ("acct_..." for an account's keys) for the request `method target body`
  // and leaves it running, as a first request still in flight would. False when it was not claimed.
  bool ClaimIdempotencyKey(std::string_view scope, std::string_view key, std::string_view method,
                           std::string_view target, std::string_view body);

  ManualClock& clock() { return clock_; }
  Services& services() { return *services_; }
  Api& api() { return *api_; }

 private:
  std::string dir_;  // the temporary directory holding the SQLite file
  ManualClock clock_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Api> api_;
  std::string admin_key_;
  uint64_t next_request_ = 0;
};

}  // namespace keyward::api_test
