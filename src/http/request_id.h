// Request ids ("req_" + 24 base62) drawn from a per-thread buffer of OS randomness, so the hot
// path makes no syscall and no allocation per request. Thread-safe (thread-local state).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace keyward {

inline constexpr size_t kRequestIdLength = 28;
using RequestIdBuffer = std::array<char, kRequestIdLength>;

// Fills `out` and returns a view of it.
std::string_view NewRequestId(RequestIdBuffer& out);
std::string NewRequestId();

}  // namespace keyward
