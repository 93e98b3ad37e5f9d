#include "core/rate_spec.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(RateSpec, EveryUnitSpelling) {
  const struct {
    const char* unit;
    int64_t seconds;
  } units[] = {{"s", 1},       {"sec", 1},  {"second", 1},  {"m", 60},    {"min", 60},
               {"minute", 60}, {"h", 3600}, {"hour", 3600}, {"d", 86400}, {"day", 86400}};
  for (const auto& u : units) {
    const Result<RateSpec> r = ParseRateSpec(std::string("150/") + u.unit);
    ASSERT_TRUE(r.ok()) << u.unit;
    EXPECT_EQ(r.value(), (RateSpec{.limit = 150, .window_seconds = u.seconds})) << u.unit;
  }
}

TEST(RateSpec, Bounds) {
  ASSERT_TRUE(ParseRateSpec("1/s").ok());
  EXPECT_EQ(ParseRateSpec("1/s").value().limit, 1);
  ASSERT_TRUE(ParseRateSpec("1000000000/day").ok());
  EXPECT_EQ(ParseRateSpec("1000000000/day").value().limit, 1'000'000'000);
  ASSERT_TRUE(ParseRateSpec("007/min").ok());
  EXPECT_EQ(ParseRateSpec("007/min").value().limit, 7);
}

TEST(RateSpec, Errors) {
  for (const char* text : {"",
                           "0/min",
                           "00/min",
                           "-1/min",
                           "+5/min",
                           "1000000001/s",
                           "99999999999999999999/min",
                           "18446744073709551617/s",
                           "150",
                           "150/",
                           "/min",
                           "150min",
                           "150 /min",
                           "150/ min",
                           " 150/min",
                           "150/min ",
                           "150/MIN",
                           "150/Min",
                           "150/minutes",
                           "150/hours",
                           "150/ms",
                           "150/week",
                           "150/month",
                           "1.5/min",
                           "1e3/min",
                           "0x10/min",
                           "150/min/s",
                           "150//min",
                           "a/min",
                           "150/60"}) {
    const Result<RateSpec> r = ParseRateSpec(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidRequest);
      EXPECT_FALSE(r.error().message().empty());
    }
  }
}

TEST(RateSpec, FormatCanonicalAndRoundTrip) {
  EXPECT_EQ(FormatRateSpec({.limit = 150, .window_seconds = 60}), "150/min");
  EXPECT_EQ(FormatRateSpec({.limit = 5, .window_seconds = 1}), "5/s");
  EXPECT_EQ(FormatRateSpec({.limit = 20, .window_seconds = 3600}), "20/hour");
  EXPECT_EQ(FormatRateSpec({.limit = 1000, .window_seconds = 86400}), "1000/day");
  for (const char* text : {"150/minute", "150/m", "3/sec", "3/second", "9/h", "9/d"}) {
    const Result<RateSpec> r = ParseRateSpec(text);
    ASSERT_TRUE(r.ok());
    const Result<RateSpec> again = ParseRateSpec(FormatRateSpec(r.value()));
    ASSERT_TRUE(again.ok()) << text;
    EXPECT_EQ(again.value(), r.value());
  }
}

}  // namespace
}  // namespace keyward
