#include "service/usage_recorder.h"

#include <spdlog/spdlog.h>

#include <array>
#include <functional>
#include <iterator>

namespace keyward {

UsageRecorder::UsageRecorder(Store& store, CreditMeter& credits,
                             std::chrono::milliseconds flush_interval)
    : store_(store), credits_(credits), interval_(flush_interval), thread_([this] { Run(); }) {}

UsageRecorder::~UsageRecorder() {
  Stop();
}

void UsageRecorder::Note(const KeyRecord& record, int64_t now_unix) {
  int64_t seen = record.last_used_sec.load(std::memory_order_relaxed);
  if (seen >= now_unix) return;
  if (!record.last_used_sec.compare_exchange_strong(seen, now_unix, std::memory_order_relaxed)) {
    return;  // another thread noted this second
  }
  const std::string_view id = record.token_id();
  Shard& s = shards_[std::hash<std::string_view>{}(id) % kShards];
  MutexLock lock(s.mu);
  int64_t& slot = s.pending[std::string(id)];
  if (slot < now_unix) slot = now_unix;
}

Status UsageRecorder::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  // Credits first: they are money. Taken from the meter, then written; handed back on failure so
  // they are never lost while the process lives, and never written twice.
  std::vector<CreditUsage> charged = credits_.TakeUsage();
  if (!charged.empty()) {
    std::vector<AccountUsage> rows;
    rows.reserve(charged.size());
    for (const CreditUsage& c : charged) rows.push_back(AccountUsage{c.account_id, c.used});
    if (Status st = store_.RecordCreditUsage(rows); !st.ok()) {
      spdlog::warn("credit usage flush failed, will retry: {}", st.error().ForLog());
      credits_.ReturnUsage(charged);
      return st;
    }
    if (FlushObserver* o = observer_.load()) o->CreditsFlushed(rows);
  }
  Status counted = FlushCounts();
  std::vector<TokenUsage> batch;
  for (Shard& s : shards_) {
    std::unordered_map<std::string, int64_t> taken;
    {
      MutexLock lock(s.mu);
      taken.swap(s.pending);
    }
    for (auto& [id, at] : taken) batch.push_back(TokenUsage{id, at});
  }
  if (batch.empty()) return counted;
  Status st = store_.RecordUsage(batch);
  if (!st.ok()) {
    spdlog::warn("usage flush failed, will retry: {}", st.error().ForLog());
    for (auto& u : batch) {  // put back, keeping the newest
      Shard& s = shards_[std::hash<std::string_view>{}(u.token_id) % kShards];
      MutexLock lock(s.mu);
      int64_t& slot = s.pending[u.token_id];
      if (slot < u.last_used_at) slot = u.last_used_at;
    }
  }
  return st.ok() ? counted : st;
}

void UsageRecorder::AppendRows(const UsageCell& cell, std::vector<UsageRow>* rows) {
  static constexpr std::array<int64_t, 3> kGranularities = {60, 3600, 86400};
  const std::array<std::string_view, 3> owners = {cell.record->token_id(), cell.record->account->id,
                                                  "*"};
  for (std::string_view owner : owners) {
    for (int64_t g : kGranularities) {
      rows->push_back(
          UsageRow{std::string(owner), g, cell.minute_start - cell.minute_start % g, cell.counts});
    }
  }
}

Status UsageRecorder::FlushCounts() {
  std::vector<UsageCell> cells = counter_.Drain();
  std::vector<UsageRow> rows;
  {
    MutexLock lock(carry_mu_);
    rows.swap(carry_);
  }
  rows.reserve(rows.size() + cells.size() * 9);
  FlushObserver* observer = observer_.load();
  std::vector<FlushObserver::RateLimited> limited;
  for (const UsageCell& cell : cells) {
    if (!cell.counts.empty()) AppendRows(cell, &rows);
    if (observer && cell.counts.rate_limited > 0 && cell.record->account) {
      limited.push_back(FlushObserver::RateLimited{std::string(cell.record->token_id()),
                                                   cell.record->account->id, cell.minute_start});
    }
  }
  cells.clear();  // the records' references go here, off the request path
  if (rows.empty()) return Status::Ok();
  Status st = store_.AddUsage(rows);
  if (st.ok() && observer && !limited.empty()) observer->RateLimitedFlushed(limited);
  if (!st.ok()) {
    spdlog::warn("usage count flush failed, will retry: {}", st.error().ForLog());
    MutexLock lock(carry_mu_);
    carry_.insert(carry_.end(), std::make_move_iterator(rows.begin()),
                  std::make_move_iterator(rows.end()));
  }
  return st;
}

void UsageRecorder::Run() {
  stop_mu_.Lock();
  while (!stopping_) {
    stop_cv_.WaitFor(stop_mu_, interval_, [this]() REQUIRES(stop_mu_) { return stopping_; });
    stop_mu_.Unlock();
    (void)Flush();
    stop_mu_.Lock();
  }
  stop_mu_.Unlock();
}

void UsageRecorder::Stop() {
  {
    MutexLock lock(stop_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  stop_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  (void)Flush();
}

}  // namespace keyward
