// last_used_at and charged credits, written off the request path. Note() is called on every
// successful verification; it costs one relaxed atomic load when the key was already noted this
// second, otherwise it adds the token to a sharded pending map. A background thread flushes pending
// updates to the Store in one transaction every flush interval; Stop() flushes everything that is
// left. Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/mutex.h"
#include "limits/credit_meter.h"
#include "service/key_record.h"
#include "store/store.h"

namespace keyward {

class UsageRecorder {
 public:
  UsageRecorder(Store& store, CreditMeter& credits, std::chrono::milliseconds flush_interval);

  // Holds off flushes while the caller changes a balance in the store and then the meter, so
  // that no charge is in flight between the two (see AccountService::AddCredits).
  std::unique_lock<std::mutex> PauseFlushes() { return std::unique_lock(flush_mu_); }
  ~UsageRecorder();  // calls Stop()

  void Note(const KeyRecord& record, int64_t now_unix);
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

  Store& store_;
  CreditMeter& credits_;
  std::chrono::milliseconds interval_;
  std::array<Shard, kShards> shards_;
  // One flush at a time. Guards no member (an unannotated std::mutex: PauseFlushes hands it out).
  std::mutex flush_mu_;
  Mutex stop_mu_;
  CondVar stop_cv_;
  bool stopping_ GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace keyward
