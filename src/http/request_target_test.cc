#include "http/request_target.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(RequestTarget, CheckRefusesWhatAnUpstreamCouldResolveElsewhere) {
  for (const char* good : {"/", "/v1/extractions?x=../y", "/a/..b/c.", "/v1/%65xtractions",
                           "/x%20y", "/x?%zz", "/a//b"}) {
    EXPECT_FALSE(CheckTarget(good)) << good;
  }
  for (const char* bad :
       {"", "*", "v1/x", "http://h/x", "/v1/x/../tokens", "/./x", "/x/..", "/x/%2e%2e/y",
        "/x/%2E/y", "/x%2fy", "/x%5Cy", "/x\\y", "/x%", "/x%4", "/x%zz", "/x%4g"}) {
    EXPECT_TRUE(CheckTarget(bad)) << bad;
  }
}

TEST(RequestTarget, MatchPathStripsTheQueryWithoutCopying) {
  std::string scratch;
  const std::string_view target = "/v1/extractions?limit=5";
  const std::string_view path = MatchPath(target, &scratch);
  EXPECT_EQ(path, "/v1/extractions");
  EXPECT_EQ(path.data(), target.data());
  EXPECT_TRUE(scratch.empty());
}

TEST(RequestTarget, MatchPathDecodesWhatARoutePatternCouldNameAndCollapsesSlashes) {
  std::string scratch;
  EXPECT_EQ(MatchPath("/v1/%65xtractions", &scratch), "/v1/extractions");
  EXPECT_EQ(MatchPath("/v1/%45%78tractions?q=%65", &scratch), "/v1/Extractions");
  EXPECT_EQ(MatchPath("//v1///extractions", &scratch), "/v1/extractions");
  EXPECT_EQ(MatchPath("/v1/a%3ab", &scratch), "/v1/a:b");
  // Encodings that mean something other than their character stay encoded (upper-cased).
  EXPECT_EQ(MatchPath("/v1/a%20b", &scratch), "/v1/a%20b");
  EXPECT_EQ(MatchPath("/v1/%c3%a9", &scratch), "/v1/%C3%A9");
  EXPECT_EQ(MatchPath("/v1/%25%3f%23%2a", &scratch), "/v1/%25%3F%23%2A");
}

TEST(RequestTarget, MethodsAreTokensMatchedUpperCase) {
  std::string scratch;
  EXPECT_EQ(MatchMethod("POST", &scratch), "POST");
  EXPECT_TRUE(scratch.empty());
  EXPECT_EQ(MatchMethod("post", &scratch), "POST");
  EXPECT_EQ(MatchMethod("Patch", &scratch), "PATCH");
  for (const char* good : {"GET", "post", "M-SEARCH", "X_CUSTOM"}) {
    EXPECT_TRUE(IsMethodToken(good)) << good;
  }
  for (const char* bad :
       {"", "GE T", "GET\r\n", "P/OST", "(GET)", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    EXPECT_FALSE(IsMethodToken(bad)) << bad;
  }
}

}  // namespace
}  // namespace keyward
