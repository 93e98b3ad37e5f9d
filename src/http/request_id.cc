#include "http/request_id.h"

#include <array>
#include <cstdint>

#include "core/base62.h"
#include "core/ids.h"
#include "core/random.h"

namespace keyward {

std::string NewRequestId() {
  thread_local std::array<uint8_t, 4096> pool;
  thread_local size_t used = pool.size();
  std::string id = "req_";
  id.reserve(4 + kIdRandomChars);
  while (id.size() < 4 + kIdRandomChars) {
    if (used == pool.size()) {
      FillRandom(pool);
      used = 0;
    }
    const uint8_t b = pool[used++];
    if (b < 248) id.push_back(kBase62Alphabet[b % 62]);  // no modulo bias
  }
  return id;
}

}  // namespace keyward
