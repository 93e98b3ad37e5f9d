#include "core/auth_failure_throttle.h"

#include <algorithm>
#include <cstring>

namespace keyward {
namespace {

constexpr int64_t kWindowNs = 60'000'000'000;

}  // namespace

size_t AuthFailureThrottle::IpHash::operator()(const std::array<uint8_t, 16>& b) const {
  uint64_t lo, hi;
  std::memcpy(&lo, b.data(), 8);
  std::memcpy(&hi, b.data() + 8, 8);
  uint64_t h = lo * 0x9E3779B97F4A7C15ull ^ (hi + 0x632BE59BD9B4E019ull + (lo << 6) + (lo >> 2));
  h ^= h >> 29;
  return static_cast<size_t>(h);
}

AuthFailureThrottle::AuthFailureThrottle(int64_t failures_per_minute, size_t max_tracked)
    : limit_(std::max<int64_t>(0, failures_per_minute)),
      interval_ns_(limit_ > 0 ? kWindowNs / limit_ : 0),
      per_shard_(std::max<size_t>(1, max_tracked / 16)) {}

AuthFailureThrottle::Decision AuthFailureThrottle::RecordFailure(const IpAddress& ip,
                                                                 int64_t now_ns) {
  if (limit_ == 0) return {};
  Shard& shard = shards_[IpHash{}(ip.bytes) % shards_.size()];
  MutexLock lock(shard.mu);
  auto it = shard.tat.find(ip.bytes);
  if (it == shard.tat.end()) {
    if (shard.tat.size() >= per_shard_) {
      std::erase_if(shard.tat, [now_ns](const auto& e) { return e.second <= now_ns; });
      if (shard.tat.size() >= per_shard_) return {};  // fail open; see the header
    }
    it = shard.tat.emplace(ip.bytes, now_ns).first;
  }
  const int64_t tat = std::max(it->second, now_ns);
  const int64_t next = tat + interval_ns_;
  if (next - now_ns > kWindowNs) {  // the budget is spent: this failure does not fit
    const int64_t wait = next - kWindowNs - now_ns;
    return {true, std::max<int64_t>(1, (wait + 999'999'999) / 1'000'000'000)};
  }
  it->second = next;
  return {};
}

size_t AuthFailureThrottle::tracked() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    MutexLock lock(s.mu);
    n += s.tat.size();
  }
  return n;
}

}  // namespace keyward
