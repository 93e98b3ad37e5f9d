// Credential extraction of API.md 1.1. Decisions beyond the header:
// - An Authorization header with another scheme (or an empty one) beside a usable x-api-key is not
//   a keyward credential (e.g. Basic auth meant for a proxied upstream): the x-api-key is used.
// - A credential that is presented but empty (x-api-key, or Bearer with no value) is kMalformed
//   whatever the other header holds.
#include "core/credential.h"

namespace keyward {
namespace {

enum class Part { kAbsent, kValue, kEmpty, kOtherScheme };

bool IsSpace(char c) {
  return c == ' ' || c == '\t';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsBearerScheme(std::string_view s) {
  constexpr std::string_view kBearer = "bearer";
  if (s.size() != kBearer.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = (s[i] >= 'A' && s[i] <= 'Z') ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (c != kBearer[i]) return false;
  }
  return true;
}

Part ApiKeyPart(std::optional<std::string_view> header, std::string_view* value) {
  if (!header) return Part::kAbsent;
  *value = Trim(*header);
  return value->empty() ? Part::kEmpty : Part::kValue;
}

Part AuthorizationPart(std::optional<std::string_view> header, std::string_view* value) {
  if (!header) return Part::kAbsent;
  const std::string_view h = Trim(*header);
  size_t end = 0;
  while (end < h.size() && !IsSpace(h[end])) ++end;
  if (!IsBearerScheme(h.substr(0, end))) return Part::kOtherScheme;
  *value = Trim(h.substr(end));
  return value->empty() ? Part::kEmpty : Part::kValue;
}

}  // namespace

PresentedCredential ExtractCredential(std::optional<std::string_view> x_api_key,
                                      std::optional<std::string_view> authorization) {
  std::string_view key_value;
  std::string_view bearer_value;
  const Part key = ApiKeyPart(x_api_key, &key_value);
  const Part bearer = AuthorizationPart(authorization, &bearer_value);

  PresentedCredential out;
  if (key == Part::kEmpty || bearer == Part::kEmpty) {
    out.presence = CredentialPresence::kMalformed;
  } else if (key == Part::kValue && bearer == Part::kValue) {
    if (key_value == bearer_value) {
      out.presence = CredentialPresence::kPresent;
      out.value = key_value;
    } else {
      out.presence = CredentialPresence::kConflict;
    }
  } else if (key == Part::kValue) {
    out.presence = CredentialPresence::kPresent;
    out.value = key_value;
  } else if (bearer == Part::kValue) {
    out.presence = CredentialPresence::kPresent;
    out.value = bearer_value;
  } else if (bearer == Part::kOtherScheme) {
    out.presence = CredentialPresence::kMalformed;
  }
  return out;
}

}  // namespace keyward
