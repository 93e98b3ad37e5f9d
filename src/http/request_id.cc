#include "http/request_id.h"

#include <cstdint>
#include <cstring>

#include "core/base62.h"
#include "core/random.h"

namespace keyward {

std::string_view NewRequestId(RequestIdBuffer& out) {
  thread_local std::array<uint8_t, 4096> pool;
  thread_local size_t used = pool.size();
  std::memcpy(out.data(), "req_", 4);
  size_t n = 4;
  while (n < out.size()) {
    if (used == pool.size()) {
      FillRandom(pool);
      used = 0;
    }
    const uint8_t b = pool[used++] & 63;
    if (b < 62) out[n++] = kBase62Alphabet[b];  // uniform: 62 of 64 values kept
  }
  return std::string_view(out.data(), out.size());
}

std::string NewRequestId() {
  RequestIdBuffer buf;
  return std::string(NewRequestId(buf));
}

}  // namespace keyward
