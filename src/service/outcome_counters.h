// Counts of every verification outcome (STYLE 12): one increment per decision the Verifier makes,
// VALID or a catalogue code, exposed by GET /metrics. Thread-safe and lock-free: each thread adds
// to its own cache-line-aligned shard (chosen once per thread), and a read sums the shards, so the
// hot path never contends on a shared counter. Reads are a consistent-enough snapshot for
// monitoring (each counter is exact; the set is not read atomically).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error_code.h"

namespace keyward {

class OutcomeCounters {
 public:
  // Slot 0 is VALID; slot 1 + int(code) is each ErrorCode.
  static constexpr size_t kSlots = 1 + static_cast<size_t>(ErrorCode::kUnavailable) + 1;

  // Adds one to the outcome `error` (nullopt = VALID).
  void Add(std::optional<ErrorCode> error);
  // The total of outcome `error` over all threads.
  uint64_t Total(std::optional<ErrorCode> error) const;
  // The outcome's stable name: "VALID" or the catalogue code ("RATE_LIMITED").
  static std::string_view Name(size_t slot);
  static size_t Slot(std::optional<ErrorCode> error) {
    return error ? 1 + static_cast<size_t>(*error) : 0;
  }
  uint64_t TotalOfSlot(size_t slot) const;

 private:
  static constexpr size_t kShards = 16;
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kSlots> counts{};
  };
  std::array<Shard, kShards> shards_{};
};

}  // namespace keyward
