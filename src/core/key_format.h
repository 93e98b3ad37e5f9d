// The credential format of API.md 2.1.
//   API key:      <type-prefix>_<env>_<body>     e.g. sk_live_<32 random base62><6 checksum>
//   access token: at_<body>
//   admin key:    ak_<body>
// body = 32 characters from the OS CSPRNG over [0-9A-Za-z] (~190 bits) followed by 6 base62
// characters encoding CRC32 of everything before them (EncodeBase62Fixed(crc, 6)).
// Parse() checks shape and checksum only; it never touches a store, so garbage is refused cheaply.
// Thread-safe: immutable after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keyward {

enum class KeyType { kSecret, kPublishable, kRestricted };
enum class CredentialKind { kApiKey, kAccessToken, kAdminKey };

std::string_view KeyTypeName(KeyType t);  // "secret", "publishable", "restricted"
std::optional<KeyType> ParseKeyType(std::string_view name);  // inverse of KeyTypeName

inline constexpr size_t kKeyRandomChars = 32;
inline constexpr size_t kKeyChecksumChars = 6;
inline constexpr size_t kKeyBodyChars = kKeyRandomChars + kKeyChecksumChars;
inline constexpr size_t kMaxCredentialLength = 128;  // longer input is refused before any work
// Keys imported from another system (API.md 11.4) may be longer, up to this.
inline constexpr size_t kMaxForeignKeyLength = 256;
inline constexpr std::string_view kAccessTokenPrefix = "at";
inline constexpr std::string_view kAdminKeyPrefix = "ak";

// Type prefixes; each 1..16 characters of [a-z0-9], distinct, and none equal to "at" or "ak".
struct KeyPrefixes {
  std::string secret = "sk";
  std::string publishable = "pk";
  std::string restricted = "rk";
};

// True when `prefix` is 1..16 characters of [a-z0-9].
bool IsValidTypePrefix(std::string_view prefix);

struct ParsedCredential {
  CredentialKind kind;
  KeyType type = KeyType::kSecret;  // meaningful for kApiKey only
  bool livemode = true;             // meaningful for kApiKey only
};

class KeyFormat {
 public:
  // Precondition: prefixes are valid (see KeyPrefixes); throws std::invalid_argument otherwise.
  explicit KeyFormat(KeyPrefixes prefixes = {});

  std::string GenerateApiKey(KeyType type, bool livemode) const;
  std::string GenerateAccessToken() const;
  std::string GenerateAdminKey() const;

  // The credential's kind, type and mode if `text` has the right shape and checksum; else nullopt.
  std::optional<ParsedCredential> Parse(std::string_view text) const;
  // True when `text` has the shape of a keyward credential (a known prefix, the env part for API
  // keys, a 38-character base62 body), whatever its checksum: such a credential is checked by
  // checksum and never looked up as a foreign key (API.md 11.4).
  bool HasNativeShape(std::string_view text) const;

  const KeyPrefixes& prefixes() const { return prefixes_; }
  std::string_view PrefixFor(KeyType type) const;

 private:
  KeyPrefixes prefixes_;
};

// Could `text` be a key imported from another system (API.md 11.4)? 1..kMaxForeignKeyLength
// printable ASCII characters (no space) without keyward's shape (see HasNativeShape).
bool IsForeignKeyCandidate(const KeyFormat& format, std::string_view text);

// The first `length` characters of `key` (the whole key if shorter), shown in lists and logs.
std::string DisplayPrefix(std::string_view key, size_t length);
// The last 4 characters of `key`.
std::string Last4(std::string_view key);

}  // namespace keyward
