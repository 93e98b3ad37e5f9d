// Shared checks of the fault tests (issue 19, API.md 16.1): what a client must see while the
// store or Redis cannot serve — 503 UNAVAILABLE with Retry-After and a sentence of keyward's own,
// never the engine's words — and small helpers to write through, read back and poll a node.
// Header-only (inline, no anonymous namespace: the fault tests are built in unity batches).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <vector>

#include "harness.h"

namespace keyward_it::faults {

inline constexpr auto kFaultDeadline = std::chrono::seconds(30);

// Words of SQLite, libpq, PostgreSQL and Redis that must never reach a client.
inline const std::vector<std::string>& EngineWords() {
  static const std::vector<std::string> words = {"sqlite",
                                                 "disk is full",
                                                 "database or disk",
                                                 "readonly database",
                                                 "database is locked",
                                                 "libpq",
                                                 "pq:",
                                                 "server closed the connection",
                                                 "terminating connection",
                                                 "econnreset",
                                                 "connection reset",
                                                 "could not connect",
                                                 "errno",
                                                 "i/o error",
                                                 "redis:",
                                                 "SQLSTATE",
                                                 "step:"};
  return words;
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// 503 UNAVAILABLE, Retry-After, the error body with a message, and none of the engine's words.
inline ::testing::AssertionResult IsUnavailable(const Response& r) {
  if (r.status != 503) return ::testing::AssertionFailure() << "not 503: " << Describe(r);
  if (!r.has_header("Retry-After")) {
    return ::testing::AssertionFailure() << "no Retry-After: " << Describe(r);
  }
  boost::json::object body;
  try {
    body = r.object();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  const auto* error = body.if_contains("error");
  if (error == nullptr || !error->is_object() || error->as_object().at("code") != "UNAVAILABLE" ||
      !error->as_object().at("message").is_string() ||
      error->as_object().at("message").as_string().empty()) {
    return ::testing::AssertionFailure() << "not an UNAVAILABLE error: " << Describe(r);
  }
  const std::string lower = Lower(r.body);
  for (const std::string& word : EngineWords()) {
    if (lower.find(Lower(word)) != std::string::npos) {
      return ::testing::AssertionFailure() << "engine text \"" << word << "\" in " << r.body;
    }
  }
  return ::testing::AssertionSuccess();
}

inline std::string MessageOf(const Response& r) {
  try {
    return std::string(r.object().at("error").at("message").as_string());
  } catch (const std::exception&) {
    return {};
  }
}

// True when `key` verifies as valid (POST /v1/keys/verify).
inline bool Verifies(HttpClient& c, const std::string& key) {
  Response r = Verify(c, key);
  if (r.status != 200) return false;
  const auto* valid = r.object().if_contains("valid");
  return valid != nullptr && *valid == true;
}

// The ids of the account's tokens (GET /v1/tokens?limit=100); throws unless 200.
inline std::vector<std::string> TokenIds(HttpClient& c, const Headers& auth) {
  Response r = c.Get("/v1/tokens?limit=100", auth);
  if (r.status != 200) throw std::runtime_error("list tokens: " + Describe(r));
  std::vector<std::string> ids;
  const boost::json::object list = r.object();  // the loop must not outlive it
  for (const auto& t : list.at("data").as_array()) {
    ids.emplace_back(t.as_object().at("id").as_string());
  }
  return ids;
}

// POST /v1/tokens with a name; the raw response (the fault tests look at failures too).
inline Response TryCreateKey(HttpClient& c, const Headers& auth, const std::string& name,
                             const Headers& extra = {}) {
  boost::json::object body{{"name", name}};
  return c.Post("/v1/tokens", body, Join(auth, extra));
}

// A fresh client each time: a connection the server closed while it was down is not reused.
inline Response GetFresh(uint16_t port, const std::string& target, const Headers& h = {}) {
  try {
    HttpClient c(port);
    return c.Get(target, h);
  } catch (const std::exception& e) {
    Response r;
    r.status = -1;
    r.body = e.what();
    return r;
  }
}

}  // namespace keyward_it::faults
