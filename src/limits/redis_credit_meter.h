// The shared CreditMeter: balances live in Redis and are checked and charged by one Lua script per
// request (one round trip), atomically across nodes, never below zero.
//
// Redis keys (prefix "kw:" by default):
//   cr:<account>  hash {b: balance, u: 1 when unlimited, p: charged but not yet in the store}
//   cr:dirty      set of accounts whose p is not zero
//   tu:<id>       marks a top-up as applied (24 h), so that retrying one never adds it twice
// How usage reaches the store exactly once, whichever node charged it: a charge moves `cost`
// from b to p and adds the account to cr:dirty in the same script. Every node's flusher
// (UsageRecorder, every usage_flush_interval_ms) calls TakeUsage, whose script pops accounts
// from cr:dirty and swaps their p to zero atomically — so each charged credit is taken by exactly
// one node — then writes what it took to the store in one transaction; if that write fails it
// hands the amounts back (ReturnUsage: p += used; if Redis is down as well, they are held in
// memory and handed out by the next TakeUsage). Double counting is impossible; the one loss is
// a node killed between taking and writing (at most one flush of usage, never a balance: b in
// Redis is already right).
// Redis Cluster (redis+cluster://): the keys of one account share its hash tag —
// cr:{<account>}, tu:{<account>}<id> — and the limiter's buckets of a request carry the same tag,
// so one script still decides a request. A single cr:dirty set would sit on one slot, so there is
// one per slot, cr:dirty{<T>} with T = RedisSlotTag(slot of the account). TakeUsage visits the
// slots this node charged since its last call (a lock-free bitmap), and every 60th call (the
// first one included) every dirty set on every primary (SCAN), which picks up what a node that
// stopped left behind.
// Seeding: an account Redis does not hold (first use, or Redis lost its data) is seeded from the
// store's balance — the store trails by at most one flush, so a balance never resets to an old
// figure. Load() seeds; Charge() seeds through `loader` when the key is missing.
// Failure: Charge returns `unavailable` when Redis cannot be reached; Load and Snapshot fall back
// to the store's figure / nullopt; TopUp retries (idempotently) on each TakeUsage until applied.
// Thread-safety: safe from any thread.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "core/mutex.h"
#include "core/redis_slot.h"
#include "core/status.h"
#include "limits/credit_meter.h"
#include "limits/redis_client.h"

namespace keyward {

// The store's view of an account's balance, for seeding: nullopt when there is no such account.
struct StoredBalance {
  std::optional<int64_t> balance;  // nullopt = unlimited
};
using BalanceLoader = std::function<Result<std::optional<StoredBalance>>(std::string_view)>;

class RedisCreditMeter final : public CreditMeter {
 public:
  RedisCreditMeter(RedisPool& pool, BalanceLoader loader, std::string key_prefix = "kw:");

  std::optional<int64_t> Load(std::string_view account_id,
                              std::optional<int64_t> stored_balance) override;
  void Reset(std::string_view account_id, std::optional<int64_t> stored_after) override;
  void TopUp(std::string_view account_id, int64_t amount,
             std::optional<int64_t> stored_after) override;
  CreditCharge Charge(std::string_view account_id, int64_t cost) override;
  std::optional<CreditSnapshot> Snapshot(std::string_view account_id) override;
  std::vector<CreditUsage> TakeUsage() override;
  void ReturnUsage(const std::vector<CreditUsage>& usage) override;

  // Top-ups not yet applied in Redis (waiting for it to come back); for tests and metrics.
  size_t PendingTopUps();

  // The key layout, for the RedisLimiter's combined limit-and-charge script (no allocation).
  std::string Key(std::string_view account_id) const;
  RedisArg AccountKey(std::string_view account_id) const;
  RedisArg DirtyKey(std::string_view account_id) const;
  // Redis Cluster: remembers that the account's slot has a dirty set to take (lock-free).
  void NoteCharged(std::string_view account_id);

 private:
  struct TopUpOp {
    std::string account_id;
    int64_t amount = 0;
    std::optional<int64_t> stored_after;
    std::string id;
  };
  bool ApplyTopUp(const TopUpOp& op);
  void RetryTopUps();
  // Takes the pending usage of one dirty set into `out`; false when Redis did not answer.
  bool TakeFrom(const RedisArg& dirty, std::vector<CreditUsage>& out);
  // Redis Cluster: the slots to visit (marked, or every dirty set on every primary).
  std::vector<uint16_t> DirtySlots();

  RedisPool& pool_;
  BalanceLoader loader_;
  std::string prefix_;
  std::string account_prefix_;
  std::string dirty_key_;
  const bool cluster_;  // hash-tagged keys, one dirty set per slot
  std::array<std::atomic<uint64_t>, kRedisClusterSlots / 64> dirty_slots_{};
  std::atomic<uint64_t> takes_{0};
  Mutex topups_mu_;
  std::vector<TopUpOp> topups_ GUARDED_BY(topups_mu_);
  // taken, not written, not returnable
  std::vector<CreditUsage> held_ GUARDED_BY(topups_mu_);
};

}  // namespace keyward
