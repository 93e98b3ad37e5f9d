// Access tokens (API.md 3) as the integration tests use them, and the small parsers their answers
// need: ISO-8601 UTC times, boolean header values, comma-separated permission lists.
// MintAccessToken throws std::runtime_error unless the server answers 200 with a well-formed token.
// Pure functions apart from the HttpClient passed in; thread-safe as far as that client is.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "harness/http_client.h"

namespace keyward_it {

// "YYYY-MM-DDTHH:MM:SSZ" (exactly that form) as Unix seconds; nullopt for anything else.
std::optional<int64_t> ParseIsoUtc(std::string_view text);

struct MintedToken {
  std::string token;         // at_...
  std::string expires_at;    // the ISO-8601 string as sent
  int64_t expires_unix = 0;  // the same as Unix seconds
  boost::json::object body;  // the whole response
};
// POST /v1/token with `auth` and {"expiry_minutes": N} (an empty object when nullopt). Throws
// unless 200 with an access_token string and an ISO-8601 expires_at.
MintedToken MintAccessToken(HttpClient& c, const Headers& auth,
                            std::optional<int64_t> expiry_minutes = std::nullopt);
// POST /v1/token/verify {"access_token": token} with `auth`.
Response CheckAccessToken(HttpClient& c, const Headers& auth, const std::string& token);

// A header value that says true ("true"/"1") or false ("false"/"0"); false when absent.
bool HeaderTrue(const std::optional<std::string>& v);
bool HeaderFalse(const std::optional<std::string>& v);
// "a:b, c:d" as {"a:b","c:d"} (blank entries dropped).
std::set<std::string> PermissionSet(const std::string& header);

}  // namespace keyward_it
