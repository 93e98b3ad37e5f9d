// last_used_at, charged credits and usage counts, written off the request path. Note() is called
// on every successful verification; it costs one relaxed atomic load when the key was already noted
// this second, otherwise it adds the token to a sharded pending map. Count() / Adjust() count every
// verification of an identified credential in the UsageCounter (usage_counter.h). A background
// thread flushes pending updates to the Store every flush interval — credits, then last_used_at,
// then usage counts, each in one transaction; Stop() flushes everything that is left. Usage counts
// are added to the minute, hour and day rows of the token, its account and the whole service
// ("*") at once, so every granularity is exact as soon as a flush lands; counts a failed write
// could not store are kept and added to the next flush (never written twice unless the store
// committed but reported a failure). Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/mutex.h"
#include "limits/credit_meter.h"
#include "service/key_record.h"
#include "service/usage_counter.h"
#include "store/store.h"

namespace keyward {

class UsageRecorder {
 public:
  UsageRecorder(Store& store, CreditMeter& credits, std::chrono::milliseconds flush_interval);

  // Holds off flushes (and other PauseFlushes) while the caller changes a balance in the store
  // and then the meter, so that no charge is in flight between the two
  // (AccountService::AddCredits).
  std::unique_lock<std::shared_mutex> PauseFlushes() { return std::unique_lock(flush_mu_); }
  // Holds off flushes while the caller reads an account's stored figures and then the meter's
  // pending ones: a flush takes charges from the meter before its store write commits, and a read
  // between the two would miss them (`used` briefly low). Readers do not hold off each other.
  std::shared_lock<std::shared_mutex> HoldFlushes() { return std::shared_lock(flush_mu_); }
  ~UsageRecorder();  // calls Stop()

  void Note(const KeyRecord& record, int64_t now_unix);
  // Counts one verification of `record` answered `outcome` at `now_unix`, charged `credits`
  // (the hot path: allocation-free once warm).
  void Count(const KeyRecordPtr& record, int64_t now_unix, UsageOutcome outcome, int64_t credits) {
    counter_.Add(record, now_unix, outcome, credits);
  }
  // Corrects the counts of `record` in the minute of `now_unix` by `delta`.
  void Adjust(const KeyRecordPtr& record, int64_t now_unix, const UsageCounts& delta) {
    counter_.Adjust(record, now_unix, delta);
  }
  // The rows one drained cell adds to: 60, 3600 and 86400 s buckets of the token, the account and
  // "*" (public for tests).
  static void AppendRows(const UsageCell& cell, std::vector<UsageRow>* rows);
  // Writes everything pending now; returns the store's status.
  Status Flush();
  // Stops the background thread after a final flush. Idempotent.
  void Stop();

 private:
  static constexpr size_t kShards = 16;
  struct Shard {
    Mutex mu;
    std::unordered_map<std::string, int64_t> pending GUARDED_BY(mu);  // token id → last_used_at
  };
  void Run();
  Status FlushCounts();

  Store& store_;
  CreditMeter& credits_;
  std::chrono::milliseconds interval_;
  std::array<Shard, kShards> shards_;
  UsageCounter counter_;
  Mutex carry_mu_;
  std::vector<UsageRow> carry_ GUARDED_BY(carry_mu_);  // counts a failed flush could not store
  // One flush at a time, none during PauseFlushes/HoldFlushes. Guards no member (unannotated:
  // PauseFlushes and HoldFlushes hand it out).
  std::shared_mutex flush_mu_;
  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
