// Helpers shared by the unit tests (test code only; never included by the libraries).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/cidr.h"

namespace keyward {

inline constexpr int64_t kSec = 1'000'000'000;  // one second in nanoseconds

// The address `text` (a test failure, and the zero address, when it does not parse).
inline IpAddress Ip(std::string_view text) {
  const std::optional<IpAddress> ip = ParseIp(text);
  EXPECT_TRUE(ip.has_value()) << text;
  return ip.value_or(IpAddress{});
}

}  // namespace keyward
