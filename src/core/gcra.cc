// GCRA with integer nanoseconds. T = window / limit rounded down; the bucket's capacity is
// limit * T (equal to the window whenever limit divides it), so that a full bucket admits exactly
// `limit` requests even when T was rounded. See gcra.h.
#include "core/gcra.h"

#include <algorithm>

namespace keyward {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kMaxWindowSeconds = 1'000'000'000;  // keeps window * 1e9 inside int64_t

}  // namespace

GcraDecision GcraTake(int64_t tat, int64_t now, const RateSpec& spec, int64_t cost) {
  GcraDecision d;
  d.limit = spec.limit;
  if (spec.limit <= 0 || spec.window_seconds <= 0 || spec.window_seconds > kMaxWindowSeconds) {
    return d;  // refuse an unusable spec
  }
  cost = std::max<int64_t>(cost, 0);

  const int64_t window = spec.window_seconds * kNanosPerSecond;
  const int64_t interval = std::max<int64_t>(window / spec.limit, 1);  // T
  const int64_t capacity = spec.limit * interval;
  const int64_t start = std::max(tat, now);

  int64_t tat_after = start;
  if (cost <= spec.limit) {
    const int64_t candidate = start + cost * interval;
    if (candidate - now <= capacity) {
      d.allowed = true;
      tat_after = candidate;
    }
  }
  if (!d.allowed) {
    // A cost above the limit never fits; it is reported as limit + 1 (a wait of one interval
    // past full), which also keeps the product below from overflowing.
    const int64_t wanted = std::min(cost, spec.limit + 1);
    d.retry_after_ns = std::max<int64_t>(start + wanted * interval - capacity - now, 1);
  }
  d.new_tat = d.allowed ? tat_after : tat;
  const int64_t used = tat_after - now;  // >= 0: tat_after >= start >= now
  d.remaining = std::clamp<int64_t>((capacity - used) / interval, 0, spec.limit);
  d.reset_after_ns = used;
  return d;
}

}  // namespace keyward
