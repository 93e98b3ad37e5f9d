#include "core/ids.h"

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "core/base62.h"

namespace keyward {
namespace {

TEST(Ids, Format) {
  for (std::string_view kind :
       {kTokenIdPrefix, kAccountIdPrefix, kRequestIdPrefix, kEventIdPrefix, kAdminKeyIdPrefix}) {
    const std::string id = NewId(kind);
    ASSERT_EQ(id.size(), kind.size() + 1 + kIdRandomChars);
    EXPECT_TRUE(id.starts_with(std::string(kind) + "_"));
    EXPECT_TRUE(IsBase62(std::string_view(id).substr(kind.size() + 1)));
    EXPECT_TRUE(IsValidId(id, kind)) << id;
  }
}

TEST(Ids, TenThousandDistinct) {
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = NewId("tok");
    ASSERT_TRUE(IsValidId(id, "tok"));
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
}

TEST(Ids, IsValidIdNegatives) {
  const std::string body(kIdRandomChars, 'a');
  EXPECT_TRUE(IsValidId("tok_" + body, "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body, "acct"));
  EXPECT_FALSE(IsValidId("acct_" + body, "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body.substr(1), "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body + "a", "tok"));
  EXPECT_FALSE(IsValidId("tok-" + body, "tok"));
  EXPECT_FALSE(IsValidId("tok" + body + "a", "tok"));
  EXPECT_FALSE(IsValidId("TOK_" + body, "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body.substr(1) + "_", "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body.substr(1) + "-", "tok"));
  EXPECT_FALSE(IsValidId("tok_" + body.substr(1) + " ", "tok"));
  EXPECT_FALSE(IsValidId("", "tok"));
  EXPECT_FALSE(IsValidId("tok_", "tok"));
  EXPECT_FALSE(IsValidId("xtok_" + body.substr(1), "tok"));
}

}  // namespace
}  // namespace keyward
