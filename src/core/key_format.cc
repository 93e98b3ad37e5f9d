// Key generation and the cheap shape-and-checksum check of API.md 2.1. See key_format.h.
#include "core/key_format.h"

#include <stdexcept>
#include <utility>

#include "core/base62.h"
#include "core/crc32.h"
#include "core/random.h"

namespace keyward {
namespace {

constexpr std::string_view kLive = "live";
constexpr std::string_view kTest = "test";
constexpr size_t kMaxTypePrefixLength = 16;

// Appends the random part and the checksum of everything before it to `head`.
std::string FinishKey(std::string head) {
  head.reserve(head.size() + kKeyBodyChars);
  head.append(RandomBase62(kKeyRandomChars));
  head.append(EncodeBase62Fixed(Crc32(head), kKeyChecksumChars));
  return head;
}

// `body` is the part after the last separator; `whole` the full credential.
bool BodyValid(std::string_view whole, std::string_view body) {
  if (body.size() != kKeyBodyChars || !IsBase62(body)) return false;
  const std::optional<uint64_t> sum = DecodeBase62(body.substr(kKeyRandomChars));
  return sum.has_value() && *sum == Crc32(whole.substr(0, whole.size() - kKeyChecksumChars));
}

}  // namespace

std::string_view KeyTypeName(KeyType t) {
  switch (t) {
    case KeyType::kSecret:
      return "secret";
    case KeyType::kPublishable:
      return "publishable";
    case KeyType::kRestricted:
      return "restricted";
  }
  return "secret";
}

std::optional<KeyType> ParseKeyType(std::string_view name) {
  for (KeyType t : {KeyType::kSecret, KeyType::kPublishable, KeyType::kRestricted}) {
    if (KeyTypeName(t) == name) return t;
  }
  return std::nullopt;
}

bool IsValidTypePrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > kMaxTypePrefixLength) return false;
  for (char c : prefix) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

KeyFormat::KeyFormat(KeyPrefixes prefixes) : prefixes_(std::move(prefixes)) {
  const std::string* all[] = {&prefixes_.secret, &prefixes_.publishable, &prefixes_.restricted};
  for (const std::string* p : all) {
    if (!IsValidTypePrefix(*p)) {
      throw std::invalid_argument("key prefix \"" + *p + "\" must be 1..16 characters of [a-z0-9]");
    }
    if (*p == kAccessTokenPrefix || *p == kAdminKeyPrefix) {
      throw std::invalid_argument("key prefix \"" + *p + "\" is reserved");
    }
  }
  if (prefixes_.secret == prefixes_.publishable || prefixes_.secret == prefixes_.restricted ||
      prefixes_.publishable == prefixes_.restricted) {
    throw std::invalid_argument("key prefixes must be distinct");
  }
}

std::string_view KeyFormat::PrefixFor(KeyType type) const {
  switch (type) {
    case KeyType::kSecret:
      return prefixes_.secret;
    case KeyType::kPublishable:
      return prefixes_.publishable;
    case KeyType::kRestricted:
      return prefixes_.restricted;
  }
  return prefixes_.secret;
}

std::string KeyFormat::GenerateApiKey(KeyType type, bool livemode) const {
  std::string head(PrefixFor(type));
  head.push_back('_');
  head.append(livemode ? kLive : kTest);
  head.push_back('_');
  return FinishKey(std::move(head));
}

std::string KeyFormat::GenerateAccessToken() const {
  return FinishKey(std::string(kAccessTokenPrefix) + "_");
}

std::string KeyFormat::GenerateAdminKey() const {
  return FinishKey(std::string(kAdminKeyPrefix) + "_");
}

std::optional<ParsedCredential> KeyFormat::Parse(std::string_view text) const {
  if (text.size() > kMaxCredentialLength) return std::nullopt;
  const size_t first = text.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  const std::string_view prefix = text.substr(0, first);
  std::string_view rest = text.substr(first + 1);

  if (prefix == kAccessTokenPrefix || prefix == kAdminKeyPrefix) {
    if (!BodyValid(text, rest)) return std::nullopt;
    return ParsedCredential{.kind = prefix == kAccessTokenPrefix ? CredentialKind::kAccessToken
                                                                 : CredentialKind::kAdminKey};
  }

  ParsedCredential parsed{.kind = CredentialKind::kApiKey};
  if (prefix == prefixes_.secret) {
    parsed.type = KeyType::kSecret;
  } else if (prefix == prefixes_.publishable) {
    parsed.type = KeyType::kPublishable;
  } else if (prefix == prefixes_.restricted) {
    parsed.type = KeyType::kRestricted;
  } else {
    return std::nullopt;
  }
  const size_t second = rest.find('_');
  if (second == std::string_view::npos) return std::nullopt;
  const std::string_view env = rest.substr(0, second);
  if (env == kLive) {
    parsed.livemode = true;
  } else if (env == kTest) {
    parsed.livemode = false;
  } else {
    return std::nullopt;
  }
  if (!BodyValid(text, rest.substr(second + 1))) return std::nullopt;
  return parsed;
}

bool KeyFormat::HasNativeShape(std::string_view text) const {
  const size_t first = text.find('_');
  if (first == std::string_view::npos) return false;
  const std::string_view prefix = text.substr(0, first);
  std::string_view body = text.substr(first + 1);
  if (prefix != kAccessTokenPrefix && prefix != kAdminKeyPrefix) {
    if (prefix != prefixes_.secret && prefix != prefixes_.publishable &&
        prefix != prefixes_.restricted) {
      return false;
    }
    const size_t second = body.find('_');
    if (second == std::string_view::npos) return false;
    const std::string_view env = body.substr(0, second);
    if (env != kLive && env != kTest) return false;
    body = body.substr(second + 1);
  }
  return body.size() == kKeyBodyChars && IsBase62(body);
}

bool IsForeignKeyCandidate(const KeyFormat& format, std::string_view text) {
  if (text.empty() || text.size() > kMaxForeignKeyLength) return false;
  for (char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return !format.HasNativeShape(text);
}

std::string DisplayPrefix(std::string_view key, size_t length) {
  return std::string(key.substr(0, length));
}

std::string Last4(std::string_view key) {
  return std::string(key.size() <= 4 ? key : key.substr(key.size() - 4));
}

}  // namespace keyward
