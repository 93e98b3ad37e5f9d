#include "core/key_format.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/base62.h"
#include "core/crc32.h"
#include "core/random.h"

namespace keyward {
namespace {

constexpr KeyType kAllTypes[] = {KeyType::kSecret, KeyType::kPublishable, KeyType::kRestricted};

// head + 32 random base62 + the checksum of all of it: right checksum, whatever the head.
std::string WithChecksum(std::string head) {
  head += RandomBase62(kKeyRandomChars);
  head += EncodeBase62Fixed(Crc32(head), kKeyChecksumChars);
  return head;
}

// Keys of every kind, type and mode for `format`.
std::vector<std::string> SampleKeys(const KeyFormat& format) {
  std::vector<std::string> keys;
  for (KeyType t : kAllTypes) {
    keys.push_back(format.GenerateApiKey(t, true));
    keys.push_back(format.GenerateApiKey(t, false));
  }
  keys.push_back(format.GenerateAccessToken());
  keys.push_back(format.GenerateAdminKey());
  return keys;
}

TEST(KeyType, NamesRoundTrip) {
  EXPECT_EQ(KeyTypeName(KeyType::kSecret), "secret");
  EXPECT_EQ(KeyTypeName(KeyType::kPublishable), "publishable");
  EXPECT_EQ(KeyTypeName(KeyType::kRestricted), "restricted");
  for (KeyType t : kAllTypes) EXPECT_EQ(ParseKeyType(KeyTypeName(t)), t);
  EXPECT_FALSE(ParseKeyType(""));
  EXPECT_FALSE(ParseKeyType("Secret"));
  EXPECT_FALSE(ParseKeyType("sk"));
  EXPECT_FALSE(ParseKeyType("secret "));
  EXPECT_FALSE(ParseKeyType("admin"));
}

TEST(KeyFormat, GeneratedShapes) {
  const KeyFormat f;
  const std::string sk = f.GenerateApiKey(KeyType::kSecret, true);
  EXPECT_EQ(sk.size(), 8 + kKeyBodyChars);
  EXPECT_TRUE(sk.starts_with("sk_live_"));
  EXPECT_TRUE(IsBase62(std::string_view(sk).substr(8)));
  EXPECT_TRUE(f.GenerateApiKey(KeyType::kPublishable, false).starts_with("pk_test_"));
  EXPECT_TRUE(f.GenerateApiKey(KeyType::kRestricted, true).starts_with("rk_live_"));
  const std::string at = f.GenerateAccessToken();
  EXPECT_EQ(at.size(), 3 + kKeyBodyChars);
  EXPECT_TRUE(at.starts_with("at_"));
  const std::string ak = f.GenerateAdminKey();
  EXPECT_EQ(ak.size(), 3 + kKeyBodyChars);
  EXPECT_TRUE(ak.starts_with("ak_"));
  // The checksum is CRC32 of everything before it, in 6 base62 digits.
  EXPECT_EQ(sk.substr(sk.size() - 6), EncodeBase62Fixed(Crc32(sk.substr(0, sk.size() - 6)), 6));
}

TEST(KeyFormat, HundredThousandKeysParseAndAreDistinct) {
  const KeyFormat f;
  std::unordered_set<std::string> seen;
  seen.reserve(100000);
  for (int i = 0; i < 100000; ++i) {
    std::string key;
    ParsedCredential want{.kind = CredentialKind::kApiKey};
    switch (i % 8) {
      case 6:
        key = f.GenerateAccessToken();
        want.kind = CredentialKind::kAccessToken;
        break;
      case 7:
        key = f.GenerateAdminKey();
        want.kind = CredentialKind::kAdminKey;
        break;
      default:
        want.type = kAllTypes[i % 3];
        want.livemode = (i % 2) == 0;
        key = f.GenerateApiKey(want.type, want.livemode);
    }
    const std::optional<ParsedCredential> got = f.Parse(key);
    ASSERT_TRUE(got.has_value()) << key;
    ASSERT_EQ(got->kind, want.kind) << key;
    if (want.kind == CredentialKind::kApiKey) {
      ASSERT_EQ(got->type, want.type) << key;
      ASSERT_EQ(got->livemode, want.livemode) << key;
    }
    ASSERT_TRUE(seen.insert(key).second) << "duplicate " << key;
  }
}

TEST(KeyFormat, EverySingleSubstitutionFails) {
  std::string replacements(kBase62Alphabet);
  replacements += '_';
  for (const KeyPrefixes& prefixes :
       {KeyPrefixes{}, KeyPrefixes{.secret = "cc", .publishable = "cp", .restricted = "cr"},
        KeyPrefixes{.secret = "s1", .publishable = "s2", .restricted = "s3"}}) {
    const KeyFormat f(prefixes);
    for (const std::string& key : SampleKeys(f)) {
      ASSERT_TRUE(f.Parse(key)) << key;
      for (size_t pos = 0; pos < key.size(); ++pos) {
        for (char c : replacements) {
          if (c == key[pos]) continue;
          std::string bad = key;
          bad[pos] = c;
          ASSERT_FALSE(f.Parse(bad)) << key << " -> " << bad;
        }
      }
    }
  }
}

TEST(KeyFormat, EverySingleByteSubstitutionFails) {
  const KeyFormat f;
  for (const std::string& key : SampleKeys(f)) {
    for (size_t pos = 0; pos < key.size(); ++pos) {
      for (int c = 0; c < 256; ++c) {
        if (static_cast<char>(c) == key[pos]) continue;
        std::string bad = key;
        bad[pos] = static_cast<char>(c);
        ASSERT_FALSE(f.Parse(bad)) << pos << " " << c;
      }
    }
  }
}

TEST(KeyFormat, TranspositionsFail) {
  const KeyFormat f;
  for (const std::string& key : SampleKeys(f)) {
    for (size_t pos = 0; pos + 1 < key.size(); ++pos) {
      if (key[pos] == key[pos + 1]) continue;
      std::string bad = key;
      std::swap(bad[pos], bad[pos + 1]);
      ASSERT_FALSE(f.Parse(bad)) << bad;
    }
  }
}

TEST(KeyFormat, TruncationsExtensionsInsertionsDeletionsFail) {
  const KeyFormat f;
  for (const std::string& key : SampleKeys(f)) {
    for (size_t len = 0; len < key.size(); ++len) {
      ASSERT_FALSE(f.Parse(key.substr(0, len))) << len;     // truncated
      ASSERT_FALSE(f.Parse(key.substr(key.size() - len)));  // first characters cut
    }
    for (char c : std::string(kBase62Alphabet) + "_ \n") {
      ASSERT_FALSE(f.Parse(key + c));
      ASSERT_FALSE(f.Parse(c + key));
    }
    for (size_t pos = 0; pos < key.size(); ++pos) {
      std::string deleted = key;
      deleted.erase(pos, 1);
      ASSERT_FALSE(f.Parse(deleted)) << deleted;
      std::string inserted = key;
      inserted.insert(pos, 1, 'a');
      ASSERT_FALSE(f.Parse(inserted)) << inserted;
    }
    ASSERT_FALSE(f.Parse(key + key));
  }
}

TEST(KeyFormat, RightChecksumButWrongShapeFails) {
  const KeyFormat f;
  // Each of these carries a correct CRC, so only the shape checks can refuse them.
  EXPECT_TRUE(f.Parse(WithChecksum("sk_live_")));
  EXPECT_TRUE(f.Parse(WithChecksum("pk_test_")));
  EXPECT_TRUE(f.Parse(WithChecksum("at_")));
  EXPECT_TRUE(f.Parse(WithChecksum("ak_")));
  for (const char* head :
       {"sk_prod_", "sk_Live_", "sk_LIVE_",      "sk_lives_", "sk__",      "sk_",      "sk_live__",
        "sk_live",  "xk_live_", "SK_live_",      "s_live_",   "skk_live_", "_live_",   "_",
        "",         "live_",    "at_live_",      "ak_test_",  "at__",      "AT_",      "at",
        "tok_",     "cc_live_", "sk_test_live_", "sk-live-",  " sk_live_", "sk_live_ "}) {
    EXPECT_FALSE(f.Parse(WithChecksum(head))) << head;
  }
}

TEST(KeyFormat, NonCanonicalChecksumEncodingFails) {
  const KeyFormat f;
  const std::string head = "sk_live_" + RandomBase62(kKeyRandomChars);
  const uint64_t crc = Crc32(head);
  ASSERT_TRUE(f.Parse(head + EncodeBase62Fixed(crc, 6)));
  // 62^6 > 2^32: crc + 2^32 also fits in six digits but is not the checksum.
  EXPECT_FALSE(f.Parse(head + EncodeBase62Fixed(crc + (uint64_t{1} << 32), 6)));
}

TEST(KeyFormat, OverlongInputRefused) {
  const KeyFormat f;
  EXPECT_FALSE(f.Parse(std::string(kMaxCredentialLength + 1, 'a')));
  EXPECT_FALSE(f.Parse(std::string(100000, '_')));
  EXPECT_FALSE(f.Parse("sk_live_" + std::string(200, '0')));
  // The longest legal prefix still fits within the limit.
  const KeyFormat longest({.secret = std::string(16, 'a'), .publishable = "p", .restricted = "r"});
  const std::string key = longest.GenerateApiKey(KeyType::kSecret, true);
  EXPECT_LE(key.size(), kMaxCredentialLength);
  EXPECT_TRUE(longest.Parse(key));
}

TEST(KeyFormat, CustomPrefixes) {
  const KeyFormat branded({.secret = "cc", .publishable = "pk", .restricted = "rk"});
  const KeyFormat standard;
  const std::string cc = branded.GenerateApiKey(KeyType::kSecret, true);
  EXPECT_TRUE(cc.starts_with("cc_live_"));
  const auto parsed = branded.Parse(cc);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, CredentialKind::kApiKey);
  EXPECT_EQ(parsed->type, KeyType::kSecret);
  EXPECT_TRUE(parsed->livemode);
  EXPECT_EQ(branded.PrefixFor(KeyType::kSecret), "cc");
  EXPECT_EQ(branded.prefixes().secret, "cc");
  // Each format knows only its own type prefixes.
  EXPECT_FALSE(standard.Parse(cc));
  EXPECT_FALSE(branded.Parse(standard.GenerateApiKey(KeyType::kSecret, true)));
  EXPECT_TRUE(branded.Parse(standard.GenerateApiKey(KeyType::kPublishable, false)));
  // Access tokens and admin keys do not depend on the type prefixes.
  EXPECT_TRUE(branded.Parse(standard.GenerateAccessToken()));
  EXPECT_TRUE(standard.Parse(branded.GenerateAdminKey()));
}

TEST(KeyFormat, PrefixesWithDigits) {
  const KeyFormat f({.secret = "k1", .publishable = "k2", .restricted = "0"});
  for (KeyType t : kAllTypes) {
    for (bool live : {true, false}) {
      const std::string key = f.GenerateApiKey(t, live);
      const auto p = f.Parse(key);
      ASSERT_TRUE(p) << key;
      EXPECT_EQ(p->type, t);
      EXPECT_EQ(p->livemode, live);
      EXPECT_TRUE(key.starts_with(std::string(f.PrefixFor(t)) + (live ? "_live_" : "_test_")));
    }
  }
}

TEST(KeyFormat, AccessTokensAndAdminKeys) {
  const KeyFormat f;
  const auto at = f.Parse(f.GenerateAccessToken());
  ASSERT_TRUE(at);
  EXPECT_EQ(at->kind, CredentialKind::kAccessToken);
  const auto ak = f.Parse(f.GenerateAdminKey());
  ASSERT_TRUE(ak);
  EXPECT_EQ(ak->kind, CredentialKind::kAdminKey);
  // Turning an access token into an admin key (or back) breaks the checksum.
  std::string swapped = f.GenerateAccessToken();
  swapped[1] = 'k';
  EXPECT_FALSE(f.Parse(swapped));
}

TEST(KeyFormat, InvalidPrefixConfigurationThrows) {
  using P = KeyPrefixes;
  EXPECT_THROW(KeyFormat(P{.secret = ""}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "SK"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "s_k"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "s-k"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = std::string(17, 'a')}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "at"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.publishable = "ak"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.restricted = "at"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "pk"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.publishable = "rk"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.restricted = "sk"}), std::invalid_argument);
  EXPECT_THROW(KeyFormat(P{.secret = "x", .publishable = "x", .restricted = "x"}),
               std::invalid_argument);
  EXPECT_NO_THROW(KeyFormat(P{.secret = std::string(16, 'z')}));
  EXPECT_NO_THROW(KeyFormat(P{.secret = "a", .publishable = "b", .restricted = "c"}));
  EXPECT_NO_THROW(KeyFormat(P{.secret = "ats", .publishable = "akk", .restricted = "a"}));
}

TEST(KeyFormat, IsValidTypePrefix) {
  EXPECT_TRUE(IsValidTypePrefix("sk"));
  EXPECT_TRUE(IsValidTypePrefix("a"));
  EXPECT_TRUE(IsValidTypePrefix("0123456789abcdef"));
  EXPECT_FALSE(IsValidTypePrefix(""));
  EXPECT_FALSE(IsValidTypePrefix("0123456789abcdefg"));
  EXPECT_FALSE(IsValidTypePrefix("Sk"));
  EXPECT_FALSE(IsValidTypePrefix("s k"));
  EXPECT_FALSE(IsValidTypePrefix("sk_"));
  EXPECT_FALSE(IsValidTypePrefix("é"));
  // "at"/"ak" are well-formed; KeyFormat refuses them as type prefixes.
  EXPECT_TRUE(IsValidTypePrefix("at"));
}

TEST(KeyFormat, DisplayPrefixAndLast4) {
  const std::string key = "sk_live_AbCdEfGh0123456789";
  EXPECT_EQ(DisplayPrefix(key, 12), "sk_live_AbCd");
  EXPECT_EQ(DisplayPrefix(key, 0), "");
  EXPECT_EQ(DisplayPrefix(key, 1000), key);
  EXPECT_EQ(DisplayPrefix("abc", 12), "abc");
  EXPECT_EQ(Last4(key), "6789");
  EXPECT_EQ(Last4("abcd"), "abcd");
  EXPECT_EQ(Last4("abc"), "abc");
  EXPECT_EQ(Last4(""), "");
  const KeyFormat f;
  const std::string generated = f.GenerateApiKey(KeyType::kSecret, true);
  EXPECT_EQ(DisplayPrefix(generated, 12), generated.substr(0, 12));
  EXPECT_EQ(Last4(generated), generated.substr(generated.size() - 4));
}

TEST(KeyFormat, NativeShapeIgnoresTheChecksumAndForeignCandidatesAreEverythingElse) {
  const KeyFormat f(KeyPrefixes{"cc", "pk", "rk"});
  const std::string key = f.GenerateApiKey(KeyType::kSecret, false);
  std::string bad_sum = key;
  bad_sum.back() = bad_sum.back() == 'A' ? 'B' : 'A';
  for (const std::string& native : {key, bad_sum, f.GenerateAccessToken(), f.GenerateAdminKey()}) {
    EXPECT_TRUE(f.HasNativeShape(native)) << native;
    EXPECT_FALSE(IsForeignKeyCandidate(f, native)) << native;
  }
  EXPECT_FALSE(f.Parse(bad_sum).has_value());
  // Other prefixes, envs, body lengths or alphabets are foreign.
  const std::string body = key.substr(key.size() - kKeyBodyChars);
  for (const std::string& foreign :
       {"sk_live_" + body, "cc_prod_" + body, "cc_live_" + body + "x", "cc_live_" + body.substr(1),
        "cc_live_" + body.substr(1) + "-", std::string("legacy-key-123"), std::string("k"),
        std::string(kMaxForeignKeyLength, 'z')}) {
    EXPECT_FALSE(f.HasNativeShape(foreign)) << foreign;
    EXPECT_TRUE(IsForeignKeyCandidate(f, foreign)) << foreign;
  }
  for (const std::string& refused :
       {std::string(), std::string("has space"), std::string("tab\t"),
        std::string(kMaxForeignKeyLength + 1, 'z'), std::string("caf\xc3\xa9")}) {
    EXPECT_FALSE(IsForeignKeyCandidate(f, refused)) << refused;
  }
}

}  // namespace
}  // namespace keyward
