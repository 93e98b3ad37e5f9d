// A terser face of ApiTestEnv (api_test_env.h) for the checkpoint and idempotency-gate tests:
// requests built field by field (TestRequest), answers as plain HttpResponses, and an account with
// a secret key made up front. Built on ApiTestEnv, so the environment is constructed in one place.
// One fixture per test; not thread-safe. Set-up failures throw std::runtime_error.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "api_test_env.h"
#include "http/api.h"
#include "service/services.h"

namespace keyward::api_test {

// One request: the method, target, body, header fields and the peer address.
struct TestRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  Headers headers;
  std::string peer = "127.0.0.1";

  TestRequest& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  TestRequest& Key(const std::string& key) { return Header("Authorization", "Bearer " + key); }
  TestRequest& Body(std::string json) {
    body = std::move(json);
    return *this;
  }
  TestRequest& From(std::string address) {
    peer = std::move(address);
    return *this;
  }
};

class ApiFixture {
 public:
  explicit ApiFixture(ServiceSettings settings = DefaultSettings(),
                      int64_t auth_failures_per_minute = EnvOptions{}.auth_failures_per_minute)
      : env_(EnvOptions{.service = std::move(settings),
                        .auth_failures_per_minute = auth_failures_per_minute}) {
    account_ = NewAccount();
    secret_ = NewKey(account_).key;
  }

  static ServiceSettings DefaultSettings() {
    ServiceSettings s;
    s.usage_flush_interval_ms = 3'600'000;  // no background flushes during a test
    return s;
  }

  HttpResponse Call(const TestRequest& r) {
    return env_
        .Call(Request{.method = r.method,
                      .target = r.target,
                      .headers = r.headers,
                      .body = r.body,
                      .peer = r.peer})
        .response;
  }
  HttpResponse Call(std::string method, std::string target, const std::string& key = "",
                    std::string body = "") {
    TestRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    if (!key.empty()) r.Key(key);
    return Call(r);
  }

  std::string NewAccount() {
    CreateAccountParams p;
    p.email = "user" + std::to_string(++accounts_made_) + "@example.com";
    return Must(services().accounts().Create(p)).id;
  }
  IssuedToken NewKey(const std::string& account, CreateTokenParams p = {}) {
    if (p.name.empty()) p.name = "test key";
    return Must(services().tokens().Create(Principal::Admin(account), p));
  }

  Api& api() { return env_.api(); }
  Services& services() { return env_.services(); }
  ManualClock& clock() { return env_.clock(); }
  const std::string& admin() const { return env_.admin_key(); }
  const std::string& account() const { return account_; }
  const std::string& secret() const { return secret_; }

 private:
  template <typename T>
  static T Must(Result<T> r) {
    if (!r.ok()) throw std::runtime_error(r.error().message());
    return std::move(r).value();
  }

  ApiTestEnv env_;
  std::string account_, secret_;
  int accounts_made_ = 0;
};

}  // namespace keyward::api_test
