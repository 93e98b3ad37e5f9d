// The fixture and checks of the in-process route tests: a fresh ApiTestEnv per test, request
// builders, credential headers, and assertions on the exact error shape of API.md 1.2.
// Helpers that create something (an account, a key) throw std::runtime_error, quoting the answer,
// unless the API answers 200: a broken set-up fails the test that needed it.
// Not thread-safe (one test thread).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api_test_env.h"

namespace keyward::api_test {

Headers Admin(const std::string& admin_key);                                 // x-api-key: ak_...
Headers AdminFor(const std::string& admin_key, const std::string& account);  // + Keyward-Account
Headers ApiKey(const std::string& key);                                      // x-api-key: KEY
Headers Bearer(const std::string& key);                                      // Authorization
Headers Join(Headers a, const Headers& b);

// A JSON string's text; anything else serialised (so that a wrong type shows in a comparison).
std::string Str(const boost::json::value& v);

// A key that is well formed (prefix + 32 base62 + the CRC32 checksum) but was never issued.
std::string WellFormedKey(std::string_view prefix);

// The first header field `name` (case-insensitive) of the answer, or nullopt.
std::optional<std::string> HeaderOf(const Answer& a, std::string_view name);
// How many header fields are called `name` (case-insensitive).
size_t HeaderCount(const Answer& a, std::string_view name);
// The body as a JSON object; throws std::runtime_error (quoting it) when it is not one.
boost::json::object BodyOf(const Answer& a);
// "HTTP 400 [headers] body" for failure messages.
std::string Describe(const Answer& a);

// A complete error answer: the status; a JSON Content-Type; the body exactly
// {"error":{"status","code","message","request_id"[,"param"]}} with matching status and code and
// the request's own id; and, when `param` is given, error.param equal to it.
::testing::AssertionResult IsError(const Answer& a, int status, std::string_view code,
                                   std::optional<std::string_view> param = std::nullopt);
// 200 with a JSON object body.
::testing::AssertionResult IsOk(const Answer& a);
// The five rate-limit header fields of API.md 1.3, each exactly once.
::testing::AssertionResult HasRateLimitHeaders(const Answer& a);

struct CreatedKey {
  std::string id;   // tok_...
  std::string key;  // the plaintext key
  boost::json::object token;
};

class RouteTest : public ::testing::Test {
 protected:
  explicit RouteTest(EnvOptions options = {}) : env_(std::move(options)) {}

  Answer Get(std::string target, Headers headers = {});
  Answer Post(std::string target, const boost::json::value& body, Headers headers = {});
  Answer PostRaw(std::string target, std::string body, Headers headers = {});
  Answer Delete(std::string target, Headers headers = {});
  Answer Call(std::string method, std::string target, Headers headers = {}, std::string body = {});

  const std::string& admin() const { return env_.admin_key(); }
  // POST /v1/accounts as the admin; `body` gets a unique email unless it has one.
  std::string NewAccount(boost::json::object body = {});
  // POST /v1/tokens with `auth`; `body` gets a name unless it has one.
  CreatedKey NewKey(const Headers& auth, boost::json::object body = {});
  // A secret live key of a new account.
  CreatedKey NewSecretKey(std::string* account = nullptr);
  // POST /v1/tokens/:id/revoke as the admin for `account`.
  void Revoke(const std::string& account, const std::string& token_id);

  ApiTestEnv env_;

 private:
  int accounts_ = 0;
};

}  // namespace keyward::api_test
