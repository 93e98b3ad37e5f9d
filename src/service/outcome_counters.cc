#include "service/outcome_counters.h"

namespace keyward {
namespace {

// Each thread takes the next shard the first time it counts; threads beyond kShards share.
size_t ThreadShard(size_t shards) {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine % shards;
}

}  // namespace

void OutcomeCounters::Add(std::optional<ErrorCode> error) {
  shards_[ThreadShard(kShards)].counts[Slot(error)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t OutcomeCounters::TotalOfSlot(size_t slot) const {
  uint64_t sum = 0;
  for (const Shard& s : shards_) sum += s.counts[slot].load(std::memory_order_relaxed);
  return sum;
}

uint64_t OutcomeCounters::Total(std::optional<ErrorCode> error) const {
  return TotalOfSlot(Slot(error));
}

std::string_view OutcomeCounters::Name(size_t slot) {
  if (slot == 0) return "VALID";
  return Describe(static_cast<ErrorCode>(slot - 1)).code;
}

}  // namespace keyward
