// Keeps this node's KeyIndex in step with changes other nodes make in the shared store.
//
// Two paths, both applying the store's current row through KeyIndex::PublishMonotonic (so that
// neither can resurrect a revoked key or lengthen an expiry, whatever the order of arrival):
//  - announcements from the ChangeFeed (a key hash; the row is re-read by hash): within
//    milliseconds of the writer's commit;
//  - a resync: every token whose change sequence is above the last one seen
//    (Store::ForEachTokenChangedAfter), every `resync_interval`, every second while the feed is
//    down, and right after the feed (re)subscribes — so a lost message heals by itself and a
//    node that reconnects catches up.
// caught_up() is what /readyz reports: true once the feed is subscribed and a resync after that
// succeeded; false (with the reason) while the feed is down.
//
// Accounts (plan, limit overrides, disable: API.md 11.3) follow the same way: the resync also
// applies every account whose change sequence is above the last one seen
// (Store::ForEachAccountChangedAfter) to the AccountDirectory, and an account change is announced
// as kAccountsChanged, a reserved digest that makes every receiver resync at once.
//
// Plans (API.md 11.2) ride along: with a PlanCatalog set, every resync reads the plans (they are
// few) and, when any changed, has the AccountDirectory apply the new limits; a plan write is
// announced as kAccountsChanged, so every node applies it within a second.
//
// It is also the writers' ChangeNotifier: CheckWritable() returns what `writable` returns (a
// Redis or store health check whose error says why writes are refused), and TokenChanged()
// announces on the feed. The feed is Redis pub/sub (RedisChangeFeed) or, on PostgreSQL without
// Redis, LISTEN/NOTIFY (PostgresChangeFeed).
// Thread-safety: all public calls are thread-safe; one background thread runs the loop.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/mutex.h"
#include "service/account_directory.h"
#include "service/change_feed.h"
#include "service/key_index.h"
#include "service/key_record.h"
#include "service/plan_catalog.h"
#include "store/store.h"

namespace keyward {

class IndexSync final : public ChangeNotifier {
 public:
  IndexSync(Store& store, KeyIndex& index, AccountDirectory& accounts, ChangeFeed& feed,
            std::function<Status()> writable, std::chrono::milliseconds resync_interval);
  ~IndexSync() override;  // Stop()

  // Starts the loop from `cursor` (the Store's TokenChangeCursor taken before the index was
  // loaded, so that nothing written during the load is missed) and `account_cursor` (its
  // AccountChangeCursor, taken at the same time). Once.
  void Start(int64_t cursor, int64_t account_cursor = 0);
  void Stop();  // idempotent

  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  std::string why_not_caught_up() const;

  // Applies every change after the cursor; advances it. Called by the loop; public for tests.
  Status Resync();
  // How many index entries announcements and resyncs changed (for tests and metrics).
  uint64_t applied() const { return applied_.load(std::memory_order_relaxed); }

  // Set once, before Start().
  void set_plans(PlanCatalog* plans) { plans_ = plans; }

  Status CheckWritable() override;
  void TokenChanged(const Digest& key_hash) override;
  void AccountChanged() override;

 private:
  void Run();
  void Apply(const TokenRow& row);
  void SetNotCaughtUp(std::string why);

  Store& store_;
  KeyIndex& index_;
  AccountDirectory& accounts_;
  PlanCatalog* plans_ = nullptr;
  ChangeFeed& feed_;
  std::function<Status()> writable_;
  const std::chrono::milliseconds resync_interval_;

  Mutex resync_mu_;  // one resync at a time
  int64_t cursor_ GUARDED_BY(resync_mu_) = 0;
  int64_t account_cursor_ GUARDED_BY(resync_mu_) = 0;
  std::atomic<bool> caught_up_{false};
  std::atomic<uint64_t> applied_{0};
  mutable Mutex why_mu_;
  std::string why_ GUARDED_BY(why_mu_) = "the change feed is not subscribed yet";

  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
