// The in-process CreditMeter: balances in a sharded map, each shard guarded by its own mutex, so
// charges to different accounts rarely contend and a charge is one short critical section.
// Exact within one process. Thread-safe.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/mutex.h"
#include "limits/credit_meter.h"

namespace keyward {

class LocalCreditMeter final : public CreditMeter {
 public:
  std::optional<int64_t> Load(std::string_view account_id,
                              std::optional<int64_t> stored_balance) override;
  void Reset(std::string_view account_id, std::optional<int64_t> stored_after) override;
  CreditCharge Charge(std::string_view account_id, int64_t cost) override;
  std::optional<CreditSnapshot> Snapshot(std::string_view account_id) override;
  std::vector<CreditUsage> TakeUsage() override;
  void ReturnUsage(const std::vector<CreditUsage>& usage) override;

 private:
  struct Slot {
    bool unlimited = true;
    int64_t balance = 0;
    int64_t pending = 0;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view k) const noexcept {
      return std::hash<std::string_view>{}(k);
    }
  };
  struct Shard {
    Mutex mu;
    std::unordered_map<std::string, Slot, KeyHash, std::equal_to<>> slots GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 32;
  Shard& ShardFor(std::string_view id) {
    return shards_[(std::hash<std::string_view>{}(id) >> 11) % kShards];
  }

  std::array<Shard, kShards> shards_;
};

}  // namespace keyward
