#include "core/iso_time.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(IsoTime, KnownDates) {
  const struct {
    const char* text;
    int64_t unix;
  } cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"2024-01-15T11:30:00Z", 1705318200},
      {"2000-02-29T23:59:59Z", 951868799},
      {"2024-02-29T00:00:00Z", 1709164800},
      {"2038-01-19T03:14:08Z", 2147483648},
      {"2100-03-01T00:00:00Z", 4107542400},
      {"9999-12-31T23:59:59Z", 253402300799},
      {"1969-12-31T23:59:59Z", -1},
      {"1900-03-01T00:00:00Z", -2203891200},
      {"0001-01-01T00:00:00Z", -62135596800},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(FormatIsoUtc(c.unix), c.text);
    EXPECT_EQ(ParseIsoUtc(c.text), c.unix) << c.text;
  }
}

TEST(IsoTime, LeapYears) {
  EXPECT_TRUE(ParseIsoUtc("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(ParseIsoUtc("2000-02-29T00:00:00Z"));  // divisible by 400
  EXPECT_TRUE(ParseIsoUtc("1600-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseIsoUtc("2023-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseIsoUtc("1900-02-29T00:00:00Z"));  // divisible by 100, not 400
  EXPECT_FALSE(ParseIsoUtc("2100-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseIsoUtc("2024-02-30T00:00:00Z"));
  // Day after Feb 28 in a common year and Feb 29 in a leap year.
  EXPECT_EQ(*ParseIsoUtc("2023-03-01T00:00:00Z") - *ParseIsoUtc("2023-02-28T00:00:00Z"), 86400);
  EXPECT_EQ(*ParseIsoUtc("2024-03-01T00:00:00Z") - *ParseIsoUtc("2024-02-28T00:00:00Z"), 2 * 86400);
  EXPECT_EQ(*ParseIsoUtc("2025-01-01T00:00:00Z") - *ParseIsoUtc("2024-01-01T00:00:00Z"),
            366 * 86400);
}

TEST(IsoTime, RoundTrip) {
  // Every day across several leap cycles, at a varying time of day, plus the hours of one day.
  for (int64_t t = -10LL * 365 * 86400; t < 60LL * 365 * 86400; t += 86400 + 3671) {
    const std::string text = FormatIsoUtc(t);
    ASSERT_EQ(text.size(), 20u) << t;
    ASSERT_EQ(ParseIsoUtc(text), t) << text;
  }
  for (int64_t t = 1705276800; t < 1705276800 + 86400; t += 59) {
    ASSERT_EQ(ParseIsoUtc(FormatIsoUtc(t)), t);
  }
}

TEST(IsoTime, MonthLengths) {
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    char ok[32];
    char bad[32];
    std::snprintf(ok, sizeof(ok), "2023-%02d-%02dT12:00:00Z", m, days[m - 1]);
    std::snprintf(bad, sizeof(bad), "2023-%02d-%02dT12:00:00Z", m, days[m - 1] + 1);
    EXPECT_TRUE(ParseIsoUtc(ok)) << ok;
    EXPECT_FALSE(ParseIsoUtc(bad)) << bad;
  }
}

TEST(IsoTime, BadInput) {
  for (const char* bad : {"",
                          "2024-01-15",
                          "2024-01-15T11:30:00",
                          "2024-01-15T11:30:00z",
                          "2024-01-15t11:30:00Z",
                          "2024-01-15 11:30:00Z",
                          "2024-01-15T11:30:00+00:00",
                          "2024-01-15T11:30:00.000Z",
                          "2024-1-15T11:30:00Z",
                          "24-01-15T11:30:00Z",
                          "2024-00-15T11:30:00Z",
                          "2024-13-15T11:30:00Z",
                          "2024-01-00T11:30:00Z",
                          "2024-01-32T11:30:00Z",
                          "2024-01-15T24:00:00Z",
                          "2024-01-15T11:60:00Z",
                          "2024-01-15T11:30:60Z",
                          "2024/01/15T11:30:00Z",
                          "2024-01-15T11-30-00Z",
                          "+024-01-15T11:30:00Z",
                          "2024-01-15T11:30:0aZ",
                          " 2024-01-15T11:30:00Z",
                          "2024-01-15T11:30:00Z ",
                          "2024-01-15T-1:30:00Z",
                          "２０２4-01-15T11:30:00Z"}) {
    EXPECT_FALSE(ParseIsoUtc(bad)) << bad;
  }
}

}  // namespace
}  // namespace keyward
