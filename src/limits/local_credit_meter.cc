#include "limits/local_credit_meter.h"

#include <algorithm>

namespace keyward {
namespace {

std::optional<int64_t> BalanceOf(bool unlimited, int64_t balance) {
  return unlimited ? std::nullopt : std::optional<int64_t>(balance);
}

}  // namespace

std::optional<int64_t> LocalCreditMeter::Load(std::string_view account_id,
                                              std::optional<int64_t> stored_balance) {
  Shard& s = ShardFor(account_id);
  MutexLock lock(s.mu);
  auto it = s.slots.find(account_id);
  if (it == s.slots.end()) {
    Slot slot;
    slot.unlimited = !stored_balance.has_value();
    slot.balance = std::max<int64_t>(0, stored_balance.value_or(0));
    it = s.slots.emplace(std::string(account_id), slot).first;
  }
  return BalanceOf(it->second.unlimited, it->second.balance);
}

void LocalCreditMeter::Reset(std::string_view account_id, std::optional<int64_t> stored_after) {
  Shard& s = ShardFor(account_id);
  MutexLock lock(s.mu);
  auto it = s.slots.find(account_id);
  if (it == s.slots.end()) it = s.slots.emplace(std::string(account_id), Slot{}).first;
  Slot& slot = it->second;
  slot.unlimited = !stored_after.has_value();
  // The store has not yet seen what is pending: the live balance is lower by that much.
  slot.balance = std::max<int64_t>(0, stored_after.value_or(0) - slot.pending);
}

CreditCharge LocalCreditMeter::Charge(std::string_view account_id, int64_t cost) {
  Shard& s = ShardFor(account_id);
  MutexLock lock(s.mu);
  auto it = s.slots.find(account_id);
  if (it == s.slots.end()) return CreditCharge{false, 0};
  Slot& slot = it->second;
  if (!slot.unlimited) {
    if (slot.balance < cost) return CreditCharge{false, slot.balance};
    slot.balance -= cost;
  }
  slot.pending += cost;
  return CreditCharge{true, BalanceOf(slot.unlimited, slot.balance)};
}

std::optional<CreditSnapshot> LocalCreditMeter::Snapshot(std::string_view account_id) {
  Shard& s = ShardFor(account_id);
  MutexLock lock(s.mu);
  auto it = s.slots.find(account_id);
  if (it == s.slots.end()) return std::nullopt;
  return CreditSnapshot{BalanceOf(it->second.unlimited, it->second.balance), it->second.pending};
}

std::vector<CreditUsage> LocalCreditMeter::TakeUsage() {
  std::vector<CreditUsage> out;
  for (Shard& s : shards_) {
    MutexLock lock(s.mu);
    for (auto& [id, slot] : s.slots) {
      if (slot.pending == 0) continue;
      out.push_back(CreditUsage{id, slot.pending});
      slot.pending = 0;
    }
  }
  return out;
}

void LocalCreditMeter::ReturnUsage(const std::vector<CreditUsage>& usage) {
  for (const CreditUsage& u : usage) {
    Shard& s = ShardFor(u.account_id);
    MutexLock lock(s.mu);
    auto it = s.slots.find(u.account_id);
    if (it != s.slots.end()) it->second.pending += u.used;
  }
}

}  // namespace keyward
