// Request ids ("req_" + 24 base62) drawn from a per-thread buffer of OS randomness, so the hot
// path does not make a syscall per request. Thread-safe (thread-local state).
#pragma once

#include <string>

namespace keyward {

std::string NewRequestId();

}  // namespace keyward
