// Calls of keyward's API for the integration tests: see api_helpers.h.
#include "harness/api_helpers.h"

#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "harness/json_checks.h"
#include "harness/key_oracle.h"

namespace keyward_it {

Headers Admin(const std::string& admin_key) {
  return {{"x-api-key", admin_key}};
}

Headers AdminFor(const std::string& admin_key, const std::string& account) {
  return {{"x-api-key", admin_key}, {"Keyward-Account", account}};
}

Headers ApiKey(const std::string& key) {
  return {{"x-api-key", key}};
}

Headers Bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

Headers Join(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string UniqueEmail() {
  static std::atomic<int> n{0};
  return "user-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" + RandomBase62(6) +
         "@example.com";
}

std::string CreateAccount(HttpClient& c, const std::string& admin_key, boost::json::object body) {
  if (!body.contains("email")) body["email"] = UniqueEmail();
  if (!body.contains("name")) body["name"] = "Test Account";
  Response r = c.Post("/v1/accounts", body, Admin(admin_key));
  if (r.status != 200) throw std::runtime_error("CreateAccount: " + Describe(r));
  auto o = r.object();
  if (!o.contains("id") || !o.at("id").is_string() ||
      o.at("id").as_string().subview().substr(0, 5) != "acct_") {
    throw std::runtime_error("CreateAccount: no acct_ id in " + Describe(r));
  }
  return AsString(o.at("id"));
}

namespace {
CreatedKey KeyFrom(const Response& r, const char* what) {
  if (r.status != 200) throw std::runtime_error(std::string(what) + ": " + Describe(r));
  CreatedKey k;
  k.token = r.object();
  if (!k.token.contains("id") || !k.token.at("id").is_string() || !k.token.contains("key") ||
      !k.token.at("key").is_string()) {
    throw std::runtime_error(std::string(what) + ": no id/key in " + Describe(r));
  }
  k.id = AsString(k.token.at("id"));
  k.key = AsString(k.token.at("key"));
  return k;
}
}  // namespace

CreatedKey CreateKey(HttpClient& c, const Headers& auth, boost::json::object body) {
  if (!body.contains("name")) body["name"] = "test key";
  return KeyFrom(c.Post("/v1/tokens", body, auth), "CreateKey");
}

CreatedKey RollKey(HttpClient& c, const Headers& auth, const std::string& token_id,
                   std::optional<int64_t> expires_in_seconds) {
  boost::json::object body;
  if (expires_in_seconds) body["expires_in_seconds"] = *expires_in_seconds;
  return KeyFrom(c.Post("/v1/tokens/" + token_id + "/roll", body, auth), "RollKey");
}

void RevokeKey(HttpClient& c, const Headers& auth, const std::string& token_id) {
  Response r = c.Post("/v1/tokens/" + token_id + "/revoke", boost::json::object{}, auth);
  if (r.status != 200) throw std::runtime_error("RevokeKey: " + Describe(r));
}

Response Auth(HttpClient& c, const std::string& key, std::string_view method, std::string_view uri,
              const Headers& extra) {
  Headers h;
  if (!key.empty()) h.emplace_back("x-api-key", key);
  h.emplace_back("X-Original-Method", std::string(method));
  h.emplace_back("X-Original-URI", std::string(uri));
  return c.Get("/v1/auth", Join(h, extra));
}

Response Verify(HttpClient& c, const std::string& key, std::string_view method,
                std::string_view path, const Headers& extra) {
  boost::json::object body{{"key", key}, {"method", method}, {"path", path}};
  return c.Post("/v1/keys/verify", body, extra);
}

bool PollUntil(const std::function<bool()>& probe, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (probe()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling an eventual state
  }
}

}  // namespace keyward_it
