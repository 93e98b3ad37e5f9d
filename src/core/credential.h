// Which credential a request presents (API.md 1.1): `x-api-key: KEY` or `Authorization: Bearer KEY`
// (scheme case-insensitive, surrounding whitespace trimmed). Both present with different values is a
// conflict (401). Pure; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace keyward {

enum class CredentialPresence { kMissing, kPresent, kConflict, kMalformed };

struct PresentedCredential {
  CredentialPresence presence = CredentialPresence::kMissing;
  std::string_view value;  // points into the inputs; set when kPresent
};

// `x_api_key` / `authorization` are the raw header values, nullopt when absent. An Authorization
// header with another scheme (Basic ...) or an empty Bearer value is kMalformed; an empty x-api-key
// is kMalformed.
PresentedCredential ExtractCredential(std::optional<std::string_view> x_api_key,
                                      std::optional<std::string_view> authorization);

}  // namespace keyward
