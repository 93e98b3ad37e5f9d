// getrandom(2) without flags: blocks only until the kernel pool is first initialised, then never.
#include "core/random.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "core/base62.h"

namespace keyward {

void FillRandom(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fputs("keyward: getrandom failed; refusing to continue without randomness\n", stderr);
      std::abort();
    }
    done += static_cast<size_t>(n);
  }
}

std::string RandomBase62(size_t n) {
  // Bytes >= 248 are rejected so that byte % 62 is uniform (248 = 4 * 62).
  constexpr uint8_t kAcceptBelow = 248;
  std::array<uint8_t, 64> buf;
  size_t pos = buf.size();
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    if (pos == buf.size()) {
      FillRandom(buf);
      pos = 0;
    }
    const uint8_t b = buf[pos++];
    if (b < kAcceptBelow) out.push_back(kBase62Alphabet[b % 62]);
  }
  return out;
}

std::string RandomHex(size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  std::array<uint8_t, 64> buf;
  while (n > 0) {
    const size_t chunk = n < buf.size() ? n : buf.size();
    FillRandom(std::span<uint8_t>(buf.data(), chunk));
    for (size_t i = 0; i < chunk; ++i) {
      out.push_back(kHex[buf[i] >> 4]);
      out.push_back(kHex[buf[i] & 0xF]);
    }
    n -= chunk;
  }
  return out;
}

}  // namespace keyward
