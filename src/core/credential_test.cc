#include "core/credential.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

using P = CredentialPresence;
constexpr std::nullopt_t kNone = std::nullopt;

struct Case {
  std::optional<std::string_view> x_api_key;
  std::optional<std::string_view> authorization;
  CredentialPresence presence;
  std::string_view value;  // expected when kPresent
};

TEST(ExtractCredential, Table) {
  const Case cases[] = {
      // Nothing.
      {kNone, kNone, P::kMissing, ""},
      // x-api-key alone.
      {"sk_live_abc", kNone, P::kPresent, "sk_live_abc"},
      {"  sk_live_abc\t", kNone, P::kPresent, "sk_live_abc"},
      {"", kNone, P::kMalformed, ""},
      {"   ", kNone, P::kMalformed, ""},
      // Authorization alone.
      {kNone, "Bearer sk_live_abc", P::kPresent, "sk_live_abc"},
      {kNone, "bearer sk_live_abc", P::kPresent, "sk_live_abc"},
      {kNone, "BEARER sk_live_abc", P::kPresent, "sk_live_abc"},
      {kNone, "bEaReR sk_live_abc", P::kPresent, "sk_live_abc"},
      {kNone, "  Bearer   sk_live_abc  ", P::kPresent, "sk_live_abc"},
      {kNone, "Bearer\tsk_live_abc", P::kPresent, "sk_live_abc"},
      {kNone, "Bearer", P::kMalformed, ""},
      {kNone, "Bearer ", P::kMalformed, ""},
      {kNone, "Bearer   \t ", P::kMalformed, ""},
      {kNone, "Basic dXNlcjpwYXNz", P::kMalformed, ""},
      {kNone, "Token sk_live_abc", P::kMalformed, ""},
      {kNone, "Bearersk_live_abc", P::kMalformed, ""},
      {kNone, "sk_live_abc", P::kMalformed, ""},
      {kNone, "", P::kMalformed, ""},
      // Both.
      {"sk_live_abc", "Bearer sk_live_abc", P::kPresent, "sk_live_abc"},
      {" sk_live_abc ", "bearer  sk_live_abc", P::kPresent, "sk_live_abc"},
      {"sk_live_abc", "Bearer sk_live_xyz", P::kConflict, ""},
      {"sk_live_abc", "Bearer SK_LIVE_ABC", P::kConflict, ""},
      {"", "Bearer sk_live_abc", P::kMalformed, ""},
      {"sk_live_abc", "Bearer ", P::kMalformed, ""},
      {"", "Bearer", P::kMalformed, ""},
      // Another scheme beside a usable x-api-key (e.g. Basic auth for a proxied upstream).
      {"sk_live_abc", "Basic dXNlcjpwYXNz", P::kPresent, "sk_live_abc"},
      {"", "Basic dXNlcjpwYXNz", P::kMalformed, ""},
  };
  for (const Case& c : cases) {
    const PresentedCredential got = ExtractCredential(c.x_api_key, c.authorization);
    const std::string label = std::string(c.x_api_key.value_or("<none>")) + " | " +
                              std::string(c.authorization.value_or("<none>"));
    EXPECT_EQ(got.presence, c.presence) << label;
    if (c.presence == P::kPresent) {
      EXPECT_EQ(got.value, c.value) << label;
    } else {
      EXPECT_TRUE(got.value.empty()) << label;
    }
  }
}

TEST(ExtractCredential, ValuePointsIntoInput) {
  const std::string header = "Bearer  sk_live_abc ";
  const PresentedCredential got = ExtractCredential(std::nullopt, header);
  ASSERT_EQ(got.presence, P::kPresent);
  EXPECT_EQ(got.value.data(), header.data() + 8);
  EXPECT_EQ(got.value.size(), 11u);
}

}  // namespace
}  // namespace keyward
