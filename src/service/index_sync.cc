#include "service/index_sync.h"

#include <spdlog/spdlog.h>

namespace keyward {

IndexSync::IndexSync(Store& store, KeyIndex& index, AccountDirectory& accounts, ChangeFeed& feed,
                     std::function<Status()> writable, std::chrono::milliseconds resync_interval)
    : store_(store),
      index_(index),
      accounts_(accounts),
      feed_(feed),
      writable_(std::move(writable)),
      resync_interval_(resync_interval) {}

IndexSync::~IndexSync() {
  Stop();
}

void IndexSync::Start(int64_t cursor, int64_t account_cursor) {
  {
    MutexLock lock(resync_mu_);
    cursor_ = cursor;
    account_cursor_ = account_cursor;
  }
  MutexLock lock(stop_mu_);
  if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { Run(); });
}

void IndexSync::Stop() {
  {
    MutexLock lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

std::string IndexSync::why_not_caught_up() const {
  MutexLock lock(why_mu_);
  return why_;
}

void IndexSync::SetNotCaughtUp(std::string why) {
  MutexLock lock(why_mu_);
  if (caught_up_.exchange(false, std::memory_order_acq_rel) || why_ != why) {
    spdlog::warn("index sync: {}", why);
  }
  why_ = std::move(why);
}

void IndexSync::Apply(const TokenRow& row) {
  auto account = accounts_.Get(row.account_id);
  if (!account.ok() || !*account) return;    // a store failure heals with the next resync
  if (row.imported) index_.AcceptForeign();  // API.md 11.4: on every node
  if (index_.PublishMonotonic(row.key_hash, MakeRecord(row, *account))) {
    applied_.fetch_add(1, std::memory_order_relaxed);
  }
}

Status IndexSync::Resync() {
  MutexLock lock(resync_mu_);
  constexpr size_t kPage = 1000;
  if (plans_) {
    const uint64_t read_at = plans_->generation();
    auto plans = store_.ListPlans();
    if (!plans.ok()) return plans.error();
    if (plans_->Replace(std::move(*plans), read_at)) {
      accounts_.ReapplyPlans();
      applied_.fetch_add(1, std::memory_order_relaxed);
    }
  }
  for (;;) {
    size_t seen = 0;
    auto next = store_.ForEachTokenChangedAfter(cursor_, kPage, [&](TokenRow&& row) {
      ++seen;
      Apply(row);
    });
    if (!next.ok()) return next.error();
    cursor_ = *next;
    if (seen < kPage) break;
  }
  for (;;) {
    size_t seen = 0;
    auto next = store_.ForEachAccountChangedAfter(account_cursor_, kPage, [&](AccountRow&& row) {
      ++seen;
      accounts_.Update(row);
      applied_.fetch_add(1, std::memory_order_relaxed);
    });
    if (!next.ok()) return next.error();
    account_cursor_ = *next;
    if (seen < kPage) return Status::Ok();
  }
}

Status IndexSync::CheckWritable() {
  if (!writable_) return Status::Ok();
  return writable_();
}

void IndexSync::TokenChanged(const Digest& key_hash) {
  if (Status st = feed_.Announce(key_hash); !st.ok()) {
    spdlog::warn("change announcement failed (other nodes catch up by resync): {}",
                 st.error().ForLog());
  }
}

void IndexSync::AccountChanged() {
  if (Status st = feed_.Announce(kAccountsChanged); !st.ok()) {
    spdlog::warn("change announcement failed (other nodes catch up by resync): {}",
                 st.error().ForLog());
  }
}

void IndexSync::Run() {
  using SteadyClock = std::chrono::steady_clock;
  constexpr auto kWhileDown = std::chrono::seconds(1);
  auto next_resync = SteadyClock::now() + resync_interval_;
  for (;;) {
    {
      MutexLock lock(stop_mu_);
      if (stopping_) return;
    }
    Result<FeedBatch> batch = feed_.Receive(std::chrono::milliseconds(200));
    if (!batch.ok()) {
      SetNotCaughtUp("the change feed is down: " + batch.error().message());
      // The store may still answer: poll it so that changes keep arriving, if more slowly.
      if (SteadyClock::now() >= next_resync) {
        (void)Resync();
        next_resync = SteadyClock::now() + kWhileDown;
      }
      MutexLock lock(stop_mu_);
      stop_cv_.WaitFor(stop_mu_, std::chrono::milliseconds(200),
                       [this]() REQUIRES(stop_mu_) { return stopping_; });
      next_resync = std::min(next_resync, SteadyClock::now() + kWhileDown);
      continue;
    }
    bool accounts_changed = false;
    for (const Digest& d : batch->changed) {
      if (d == kAccountsChanged) {
        accounts_changed = true;
        continue;
      }
      auto row = store_.FindTokenByHash(d);
      if (row.ok() && row->has_value()) Apply(**row);
    }
    if (accounts_changed || batch->resubscribed || !caught_up() ||
        SteadyClock::now() >= next_resync) {
      Status st = Resync();
      next_resync = SteadyClock::now() + (st.ok() ? resync_interval_ : kWhileDown);
      if (st.ok() && !caught_up()) {
        caught_up_.store(true, std::memory_order_release);
        spdlog::info("index sync: subscribed and caught up");
      } else if (!st.ok()) {
        SetNotCaughtUp("the store does not answer: " + st.error().message());
      }
    }
  }
}

}  // namespace keyward
