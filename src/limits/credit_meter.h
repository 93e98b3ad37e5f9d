// Prepaid credits behind one interface (API.md 4): an account's balance is checked and charged
// atomically in memory on the request path; what was charged accumulates as pending usage that a
// background writer takes (TakeUsage) and applies to the store, so the store's balance trails the
// meter's by at most one flush. The RedisCreditMeter has the same contract and is exact across
// nodes; its calls can fail (Redis unreachable): Charge says so with `unavailable`.
// Thread-safety: implementations are safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyward {

struct CreditCharge {
  bool allowed = false;
  std::optional<int64_t> balance;  // after the charge (or as it stands when refused); nullopt
                                   // = unlimited
  bool unavailable = false;        // the shared meter could not be reached: nothing charged
};

struct CreditUsage {
  std::string account_id;
  int64_t used = 0;  // charged since the last TakeUsage
};

struct CreditSnapshot {
  std::optional<int64_t> balance;  // nullopt = unlimited
  int64_t pending_used = 0;        // charged but not yet written to the store
};

class CreditMeter {
 public:
  virtual ~CreditMeter() = default;

  // Makes the account known with its stored balance, unless it is known already (the meter's
  // own figure is newer than the store's). Returns the balance the meter now holds.
  virtual std::optional<int64_t> Load(std::string_view account_id,
                                      std::optional<int64_t> stored_balance) = 0;
  // Replaces the account's balance after a top-up: `stored_after` is the store's balance after
  // the change; the meter subtracts what it still has pending. nullopt = unlimited.
  virtual void Reset(std::string_view account_id, std::optional<int64_t> stored_after) = 0;
  // A top-up of `amount` (negative subtracts, never below zero) that the store has committed,
  // leaving `stored_after`. A shared meter applies the delta (other nodes' pending charges are not
  // known here); the in-process one resets from the store's figure.
  virtual void TopUp(std::string_view account_id, int64_t amount,
                     std::optional<int64_t> stored_after) {
    (void)amount;
    Reset(account_id, stored_after);
  }
  // Charges `cost` (> 0) if the balance holds it. An account never loaded is refused.
  virtual CreditCharge Charge(std::string_view account_id, int64_t cost) = 0;
  virtual std::optional<CreditSnapshot> Snapshot(std::string_view account_id) = 0;

  // Pending usage per account, cleared; the caller writes it to the store, and hands it back with
  // ReturnUsage if that fails.
  virtual std::vector<CreditUsage> TakeUsage() = 0;
  virtual void ReturnUsage(const std::vector<CreditUsage>& usage) = 0;
};

}  // namespace keyward
