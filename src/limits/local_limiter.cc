// See local_limiter.h.
#include "limits/local_limiter.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "core/gcra.h"
#include "core/small_vector.h"

namespace keyward {
namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

int64_t CeilSeconds(int64_t ns) {
  if (ns <= 0) return ns / kNanosPerSecond;  // rounds toward zero == up for negatives
  return (ns + kNanosPerSecond - 1) / kNanosPerSecond;
}

BucketState ToState(const GcraDecision& d, const BucketRequest& r, int64_t now_ns) {
  BucketState s;
  s.limit = d.limit;
  s.remaining = d.remaining;
  s.reset_after_s = CeilSeconds(d.reset_after_ns);
  s.reset_unix = CeilSeconds(now_ns + d.reset_after_ns);
  s.retry_after_s = d.allowed ? 0 : std::max<int64_t>(1, CeilSeconds(d.retry_after_ns));
  s.allowed = d.allowed;
  s.window_seconds = r.spec.window_seconds;
  return s;
}

}  // namespace

LocalLimiter::LocalLimiter(size_t max_entries)
    : shard_cap_(std::max<size_t>(1, max_entries / kShards)) {
  for (Shard& s : shards_) s.sweep_at = shard_cap_;
}

size_t LocalLimiter::ShardOf(std::string_view key) {
  // Not the map's hash (which picks the bucket inside the shard): mix differently.
  return (std::hash<std::string_view>{}(key) >> 17) % kShards;
}

void LocalLimiter::Sweep(Shard& shard, int64_t now_ns) const {
  std::erase_if(shard.tat, [now_ns](const auto& entry) { return entry.second <= now_ns; });
  // Live entries stay; do not sweep again before the shard has grown by as much again.
  shard.sweep_at = std::max(shard_cap_, 2 * shard.tat.size());
}

// Holds the shards of one Take, locked in ascending index order (no deadlock between two takes),
// until UnlockAll() or the end of the scope. A runtime-sized set of locks is beyond clang's
// thread-safety analysis, so Take, which holds it, is exempt from the analysis.
class LocalLimiter::ShardLocks {
 public:
  ShardLocks(std::array<Shard, kShards>& all,
             std::span<const size_t> ascending) NO_THREAD_SAFETY_ANALYSIS
      : held_(ascending.size()) {
    for (size_t k = 0; k < ascending.size(); ++k) {
      held_[k] = &all[ascending[k]].mu;
      held_[k]->Lock();
    }
  }
  ~ShardLocks() { UnlockAll(); }
  void UnlockAll() NO_THREAD_SAFETY_ANALYSIS {
    for (Mutex* mu : held_) mu->Unlock();
    held_.resize(0);
  }

 private:
  SmallVector<Mutex*, kInlineBuckets> held_;
};

LimitOutcome LocalLimiter::Take(std::span<const BucketRequest> requests,
                                int64_t now_ns) NO_THREAD_SAFETY_ANALYSIS {
  const size_t n = requests.size();
  LimitOutcome out;
  out.allowed = true;
  out.buckets.resize(n);
  if (n == 0) return out;

  // Scratch space inline for up to kInlineBuckets buckets: no allocation on the request path.
  SmallVector<size_t, kInlineBuckets> shard_of(n);
  for (size_t i = 0; i < n; ++i) shard_of[i] = ShardOf(requests[i].key);
  SmallVector<size_t, kInlineBuckets> order(n);
  std::copy(shard_of.begin(), shard_of.end(), order.begin());
  std::sort(order.begin(), order.end());
  const size_t shards =
      static_cast<size_t>(std::unique(order.begin(), order.end()) - order.begin());

  ShardLocks locks(shards_, std::span<const size_t>(order.begin(), shards));

  // Decide in request order; a key named twice sees its own earlier take.
  SmallVector<GcraDecision, kInlineBuckets> decisions(n);
  SmallVector<int64_t, kInlineBuckets> stored(
      n);  // the TAT as held before this call (now_ns when absent)
  for (size_t i = 0; i < n; ++i) {
    const BucketRequest& r = requests[i];
    const auto& map = shards_[shard_of[i]].tat;
    const auto it = map.find(r.key);
    stored[i] = it == map.end() ? now_ns : it->second;
    int64_t tat = stored[i];
    for (size_t j = i; j-- > 0;) {
      if (requests[j].key == r.key) {
        tat = decisions[j].new_tat;
        break;
      }
    }
    decisions[i] = GcraTake(tat, now_ns, r.spec, r.cost);
    if (!decisions[i].allowed) out.allowed = false;
  }

  if (out.allowed) {
    for (size_t i = 0; i < n; ++i) {
      if (decisions[i].new_tat <= now_ns) continue;  // still full: same as absent
      Shard& shard = shards_[shard_of[i]];
      bool inserted = false;
      if (auto it = shard.tat.find(requests[i].key); it != shard.tat.end()) {
        it->second = decisions[i].new_tat;
      } else {
        shard.tat.emplace(std::string(requests[i].key), decisions[i].new_tat);
        inserted = true;
      }
      if (inserted && shard.tat.size() > shard.sweep_at) Sweep(shard, now_ns);
    }
  } else {
    // Nothing was taken: report the buckets that had room as they stand now.
    for (size_t i = 0; i < n; ++i) {
      if (!decisions[i].allowed) continue;
      decisions[i] = GcraTake(stored[i], now_ns, requests[i].spec, 0);
      decisions[i].allowed = true;
    }
  }
  locks.UnlockAll();

  size_t tightest = n;
  for (size_t i = 0; i < n; ++i) {
    out.buckets[i] = ToState(decisions[i], requests[i], now_ns);
    if (tightest == n && !decisions[i].allowed) tightest = i;
  }
  if (tightest == n) {
    tightest = 0;
    for (size_t i = 1; i < n; ++i) {
      if (out.buckets[i].remaining < out.buckets[tightest].remaining) tightest = i;
    }
  }
  out.tightest = tightest;
  return out;
}

size_t LocalLimiter::EntryCount() const {
  size_t total = 0;
  for (const Shard& s : shards_) {
    MutexLock lock(s.mu);
    total += s.tat.size();
  }
  return total;
}

}  // namespace keyward
