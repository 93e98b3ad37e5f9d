#include "service/usage_counter.h"

#include <atomic>
#include <cstdint>
#include <utility>

namespace keyward {
namespace {

size_t HashOf(const KeyRecord* key, int64_t minute) {
  uint64_t h = reinterpret_cast<uintptr_t>(key) >> 4;
  h ^= static_cast<uint64_t>(minute / 60) * 0x9E3779B97F4A7C15ULL;
  h *= 0xBF58476D1CE4E5B9ULL;
  return static_cast<size_t>(h ^ (h >> 31));
}

void Count(UsageCounts& c, UsageOutcome outcome, int64_t credits) {
  switch (outcome) {
    case UsageOutcome::kValid:
      ++c.valid;
      break;
    case UsageOutcome::kRateLimited:
      ++c.rate_limited;
      break;
    case UsageOutcome::kQuotaExceeded:
      ++c.quota_exceeded;
      break;
    case UsageOutcome::kForbidden:
      ++c.forbidden;
      break;
    case UsageOutcome::kUnauthorized:
      ++c.unauthorized;
      break;
    case UsageOutcome::kNone:
      break;
  }
  c.credits += credits;
}

}  // namespace

UsageCounter::UsageCounter() {
  for (Shard& s : shards_) {
    MutexLock lock(s.mu);
    s.slots.resize(kInitialSlots);
    s.used.reserve(kInitialSlots / 2);
  }
}

namespace {
// Constant-initialised, so that reading it needs no thread_local initialisation guard.
thread_local size_t tls_shard = SIZE_MAX;
std::atomic<size_t> next_shard{0};
}  // namespace

UsageCounter::Shard& UsageCounter::MyShard() {
  size_t mine = tls_shard;
  if (mine == SIZE_MAX) [[unlikely]] {
    mine = tls_shard = next_shard.fetch_add(1, std::memory_order_relaxed) % kShards;
  }
  return shards_[mine];
}

UsageCounter::Slot& UsageCounter::Find(Shard& s, const KeyRecordPtr& record, int64_t minute) {
  const KeyRecord* key = record.get();
  size_t mask = s.slots.size() - 1;
  for (size_t i = HashOf(key, minute) & mask;; i = (i + 1) & mask) {
    Slot& slot = s.slots[i];
    if (slot.key == key && slot.minute == minute) return slot;
    if (slot.key != nullptr) continue;
    if ((s.used.size() + 1) * 2 > s.slots.size()) {  // rare: more distinct keys than ever before
      Grow(s);
      return Find(s, record, minute);
    }
    slot.key = key;
    slot.minute = minute;
    slot.hold = record;
    s.used.push_back(static_cast<uint32_t>(i));
    return slot;
  }
}

void UsageCounter::Grow(Shard& s) {
  std::vector<Slot> old = std::exchange(s.slots, std::vector<Slot>(s.slots.size() * 2));
  std::vector<uint32_t> old_used = std::exchange(s.used, {});
  s.used.reserve(s.slots.size() / 2);
  const size_t mask = s.slots.size() - 1;
  for (uint32_t u : old_used) {
    Slot& from = old[u];
    size_t i = HashOf(from.key, from.minute) & mask;
    while (s.slots[i].key != nullptr) i = (i + 1) & mask;
    s.slots[i] = std::move(from);
    s.used.push_back(static_cast<uint32_t>(i));
  }
}

void UsageCounter::Add(const KeyRecordPtr& record, int64_t now_unix, UsageOutcome outcome,
                       int64_t credits) {
  if (outcome == UsageOutcome::kNone && credits == 0) return;
  Shard& s = MyShard();
  MutexLock lock(s.mu);
  Count(Find(s, record, MinuteOf(now_unix)).counts, outcome, credits);
}

void UsageCounter::Adjust(const KeyRecordPtr& record, int64_t now_unix, const UsageCounts& delta) {
  if (delta.empty()) return;
  Shard& s = MyShard();
  MutexLock lock(s.mu);
  Find(s, record, MinuteOf(now_unix)).counts += delta;
}

std::vector<UsageCell> UsageCounter::Drain() {
  std::vector<UsageCell> out;
  for (Shard& s : shards_) {
    MutexLock lock(s.mu);
    out.reserve(out.size() + s.used.size());
    for (uint32_t u : s.used) {
      Slot& slot = s.slots[u];
      out.push_back(UsageCell{std::move(slot.hold), slot.minute, slot.counts});
      slot.key = nullptr;
      slot.counts = {};
    }
    s.used.clear();
  }
  return out;
}

}  // namespace keyward
