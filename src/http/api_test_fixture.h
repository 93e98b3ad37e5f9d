// In-process API tests (test-only): the real Api over real Services on a SQLite database in a
// temporary file, with a ManualClock, and no sockets — Handle() is called directly. Gives an
// admin key, an account with a secret key, and helpers to build requests. One fixture per test;
// not thread-safe. The database files are removed when the fixture is destroyed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "http/api.h"
#include "service/event_builder.h"
#include "service/services.h"
#include "store/store.h"

namespace keyward::testing_api {

// Header fields of a test request; names match case-insensitively.
class TestHeaders final : public HeaderSource {
 public:
  std::vector<std::pair<std::string, std::string>> fields;

  std::optional<std::string_view> Get(std::string_view name) const override {
    for (const auto& [n, v] : fields) {
      if (n.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < n.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(n[i])) ==
               std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) return std::string_view(v);
    }
    return std::nullopt;
  }
};

// One request: owns what HttpRequest points at.
struct TestRequest {
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  TestHeaders headers;
  std::string peer = "127.0.0.1";

  TestRequest& Header(std::string name, std::string value) {
    headers.fields.emplace_back(std::move(name), std::move(value));
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
  explicit ApiFixture(ServiceSettings settings = DefaultSettings(), ApiSettings api = {})
      : path_(TempPath()) {
    auto store = OpenStore("sqlite://" + path_ + "?synchronous=normal");
    if (!store.ok()) throw std::runtime_error(store.error().message());
    services_ = std::make_unique<Services>(std::move(*store), std::move(settings), clock_);
    if (!services_->LoadIndex().ok()) throw std::runtime_error("index did not load");
    if (api.verifier_allow_from.empty()) {
      api.verifier_allow_from = {*Cidr::Parse("127.0.0.1/32")};
    }
    api_ = std::make_unique<Api>(*services_, std::move(api));
    admin_ = Must(services_->admin_keys().Create("test admin", CliActor()));
    account_ = NewAccount();
    secret_ = NewKey(account_).key;
  }
  ~ApiFixture() {
    api_.reset();
    services_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  static ServiceSettings DefaultSettings() {
    ServiceSettings s;
    s.usage_flush_interval_ms = 3'600'000;  // no background flushes during a test
    return s;
  }

  HttpResponse Call(const TestRequest& r) {
    HttpRequest req;
    req.method = r.method;
    req.target = r.target;
    const size_t q = r.target.find('?');
    req.path = std::string_view(r.target).substr(0, q);
    req.query =
        q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1);
    req.body = r.body;
    req.headers = &r.headers;
    req.peer = *ParseIp(r.peer);
    req.peer_text = r.peer;
    req.request_id = "req_test";
    return api_->Handle(req);
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
    return Must(services_->accounts().Create(Principal::Admin({}), p)).id;
  }
  IssuedToken NewKey(const std::string& account, CreateTokenParams p = {}) {
    if (p.name.empty()) p.name = "test key";
    return Must(services_->tokens().Create(Principal::Admin(account), p));
  }

  Api& api() { return *api_; }
  Services& services() { return *services_; }
  ManualClock& clock() { return clock_; }
  const std::string& admin() const { return admin_; }
  const std::string& account() const { return account_; }
  const std::string& secret() const { return secret_; }

 private:
  template <typename T>
  static T Must(Result<T> r) {
    if (!r.ok()) throw std::runtime_error(r.error().message());
    return std::move(r).value();
  }
  static std::string TempPath() {
    static std::atomic<int> n{0};
    return ::testing::TempDir() + "keyward_api_" + std::to_string(::getpid()) + "_" +
           std::to_string(++n) + ".db";
  }

  const std::string path_;
  ManualClock clock_;
  std::unique_ptr<Services> services_;
  std::unique_ptr<Api> api_;
  std::string admin_, account_, secret_;
  int accounts_made_ = 0;
};

}  // namespace keyward::testing_api
