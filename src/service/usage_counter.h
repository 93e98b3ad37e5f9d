// Usage counts on the request path (API.md 12): Add() counts one verification of a credential in
// its UTC minute, by outcome, with the credits it was charged; Drain() hands everything counted
// since the last drain to the usage writer (UsageRecorder), which adds it to the store.
//
// Counted per record (an access token's record carries its parent's token id and account, so it
// counts on them), keyed by the record's address and the minute: no string is hashed or copied on
// the request path. Each thread counts in a shard of its own (threads are given shards round
// robin), so request threads do not contend; a shard is a fixed open-addressing table behind an
// uncontended lock, whose slots keep the record alive (one reference) until drained. The table
// keeps its capacity across drains: once it has seen a flush interval's worth of distinct
// (record, minute) pairs, Add() allocates nothing.
// Thread-safety: every call from any thread. Failure: none (memory only).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/mutex.h"
#include "service/key_record.h"
#include "store/records.h"

namespace keyward {

// What one verification was answered, as usage counts it. kNone: not counted (UNAVAILABLE, or a
// refusal that identified no credential).
enum class UsageOutcome : uint8_t {
  kValid,
  kRateLimited,
  kQuotaExceeded,
  kForbidden,  // FORBIDDEN and TOKEN_EXPIRED
  kUnauthorized,
  kNone,
};

// What Drain() hands out: the counts of one record in one minute.
struct UsageCell {
  KeyRecordPtr record;
  int64_t minute_start = 0;  // Unix seconds, a multiple of 60
  UsageCounts counts;
};

class UsageCounter {
 public:
  UsageCounter();

  // Counts one verification of `record` (non-null) answered `outcome` at `now_unix`, charged
  // `credits`. Lock-free of other threads in practice; allocation-free once warm.
  void Add(const KeyRecordPtr& record, int64_t now_unix, UsageOutcome outcome, int64_t credits);
  // Adds `delta` (any signs: a correction) to the counts of `record` in the minute of `now_unix`.
  void Adjust(const KeyRecordPtr& record, int64_t now_unix, const UsageCounts& delta);
  // Everything counted since the last drain (cells with a zero total included), in no order.
  std::vector<UsageCell> Drain();

  static int64_t MinuteOf(int64_t unix_seconds) {
    return unix_seconds - ((unix_seconds % 60) + 60) % 60;
  }

 private:
  struct Slot {
    const KeyRecord* key = nullptr;  // nullptr: free
    int64_t minute = 0;
    KeyRecordPtr hold;  // keeps `key` alive (and its address unique) until drained
    UsageCounts counts;
  };
  struct alignas(64) Shard {
    Mutex mu;
    std::vector<Slot> slots GUARDED_BY(mu);  // a power of two in size
    std::vector<uint32_t> used GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;
  static constexpr size_t kInitialSlots = 1024;

  Shard& MyShard();
  // The slot of (record, minute) in `s`, claimed when new; grows the table past half full.
  static Slot& Find(Shard& s, const KeyRecordPtr& record, int64_t minute) REQUIRES(s.mu);
  static void Grow(Shard& s) REQUIRES(s.mu);

  std::array<Shard, kShards> shards_;
};

}  // namespace keyward
