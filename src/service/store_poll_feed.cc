#include "service/store_poll_feed.h"

namespace keyward {

Result<FeedBatch> StorePollFeed::Receive(std::chrono::milliseconds wait) {
  MutexLock lock(mu_);
  if (first_) {
    first_ = false;
    return FeedBatch{};
  }
  cv_.WaitFor(mu_, wait, []() { return false; });
  return FeedBatch{};
}

}  // namespace keyward
