// keyward's API as the integration tests call it: credential headers, creating accounts and keys,
// rolling and revoking, GET /v1/auth and POST /v1/keys/verify, and polling for eventual states.
// The helpers that create something throw std::runtime_error (with the response) unless the
// server answers 200 with what they need. Thread-safe as far as the HttpClient passed in is.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "harness/http_client.h"

namespace keyward_it {

Headers Admin(const std::string& admin_key);                                 // x-api-key: ak_...
Headers AdminFor(const std::string& admin_key, const std::string& account);  // + Keyward-Account
Headers ApiKey(const std::string& key);                                      // x-api-key: KEY
Headers Bearer(const std::string& key);  // Authorization: Bearer
Headers Join(Headers a, const Headers& b);

// A unique email for a new account.
std::string UniqueEmail();
// POST /v1/accounts as the admin; `body` gets a unique email and a name unless it has them.
// Returns the account id; throws unless the answer is 200 with an acct_ id.
std::string CreateAccount(HttpClient& c, const std::string& admin_key,
                          boost::json::object body = {});

struct CreatedKey {
  std::string id;             // tok_...
  std::string key;            // the plaintext key
  boost::json::object token;  // the whole create response
};
// POST /v1/tokens with `auth`; `body` gets "name" unless it has one. Throws unless 200 with a key.
CreatedKey CreateKey(HttpClient& c, const Headers& auth, boost::json::object body = {});
// POST /v1/tokens/:id/roll. Throws unless 200 with a key.
CreatedKey RollKey(HttpClient& c, const Headers& auth, const std::string& token_id,
                   std::optional<int64_t> expires_in_seconds);
// POST /v1/tokens/:id/revoke. Throws unless 200.
void RevokeKey(HttpClient& c, const Headers& auth, const std::string& token_id);

// GET /v1/auth presenting `key` in x-api-key, with X-Original-Method/X-Original-URI.
Response Auth(HttpClient& c, const std::string& key, std::string_view method = "GET",
              std::string_view uri = "/v1/things", const Headers& extra = {});
// POST /v1/keys/verify {"key","method","path"}.
Response Verify(HttpClient& c, const std::string& key, std::string_view method = "GET",
                std::string_view path = "/v1/things", const Headers& extra = {});

// Polls `probe` (every ~100 ms) until it returns true or `limit` passes; returns the last result.
bool PollUntil(const std::function<bool()>& probe, std::chrono::milliseconds limit);

}  // namespace keyward_it
