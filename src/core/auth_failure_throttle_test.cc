#include "core/auth_failure_throttle.h"

#include <gtest/gtest.h>

#include <string>

#include "core/test_util.h"

namespace keyward {
namespace {

TEST(AuthFailureThrottle, ABudgetOfFailuresThenThrottled) {
  AuthFailureThrottle t(10);
  const int64_t now = 1000 * kSec;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(t.RecordFailure(Ip("10.0.0.1"), now).throttled) << i;
  auto d = t.RecordFailure(Ip("10.0.0.1"), now);
  EXPECT_TRUE(d.throttled);
  EXPECT_EQ(d.retry_after_s, 6);  // one more failure fits after 60 s / 10
}

TEST(AuthFailureThrottle, RefillsContinuously) {
  AuthFailureThrottle t(60);  // one per second
  const int64_t now = 1000 * kSec;
  for (int i = 0; i < 60; ++i) ASSERT_FALSE(t.RecordFailure(Ip("10.0.0.1"), now).throttled);
  EXPECT_TRUE(t.RecordFailure(Ip("10.0.0.1"), now).throttled);
  EXPECT_TRUE(t.RecordFailure(Ip("10.0.0.1"), now + kSec / 2).throttled);
  EXPECT_FALSE(t.RecordFailure(Ip("10.0.0.1"), now + kSec).throttled);
  EXPECT_TRUE(t.RecordFailure(Ip("10.0.0.1"), now + kSec).throttled);
  // Throttled failures do not extend the penalty: a minute later the budget is full again.
  for (int i = 0; i < 60; ++i) {
    ASSERT_FALSE(t.RecordFailure(Ip("10.0.0.1"), now + 62 * kSec).throttled) << i;
  }
}

TEST(AuthFailureThrottle, AddressesAreIndependent) {
  AuthFailureThrottle t(2);
  const int64_t now = 5 * kSec;
  t.RecordFailure(Ip("10.0.0.1"), now);
  t.RecordFailure(Ip("10.0.0.1"), now);
  EXPECT_TRUE(t.RecordFailure(Ip("10.0.0.1"), now).throttled);
  EXPECT_FALSE(t.RecordFailure(Ip("10.0.0.2"), now).throttled);
  EXPECT_FALSE(t.RecordFailure(Ip("::1"), now).throttled);
  EXPECT_FALSE(t.RecordFailure(Ip("::ffff:10.0.0.3"), now).throttled);
}

TEST(AuthFailureThrottle, ZeroDisables) {
  AuthFailureThrottle t(0);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(t.RecordFailure(Ip("10.0.0.1"), 0).throttled);
  EXPECT_EQ(t.tracked(), 0u);
}

TEST(AuthFailureThrottle, MemoryIsBoundedAndFailsOpen) {
  AuthFailureThrottle t(1, /*max_tracked=*/64);
  const int64_t now = 100 * kSec;
  for (int i = 0; i < 5000; ++i) {
    std::string ip = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    t.RecordFailure(Ip(ip), now);
  }
  EXPECT_LE(t.tracked(), 64u);
  // Entries whose budget has refilled make room for new addresses.
  EXPECT_FALSE(t.RecordFailure(Ip("192.0.2.1"), now + 120 * kSec).throttled);
  EXPECT_TRUE(t.RecordFailure(Ip("192.0.2.1"), now + 120 * kSec).throttled);
  EXPECT_LE(t.tracked(), 64u);
}

}  // namespace
}  // namespace keyward
