#include "store/postgres/postgres_change_feed.h"

namespace keyward {

PostgresChangeFeed::PostgresChangeFeed(PostgresStore& store, std::string channel)
    : store_(store), channel_(std::move(channel)) {}

Status PostgresChangeFeed::Announce(const Digest& key_hash) {
  return store_.Notify(channel_, DigestHex(key_hash));
}

Result<FeedBatch> PostgresChangeFeed::Receive(std::chrono::milliseconds wait) {
  FeedBatch batch;
  if (!listener_) {
    Result<std::unique_ptr<PostgresListener>> opened = store_.Listen(channel_);
    if (!opened.ok()) return opened.error();
    listener_ = std::move(opened).value();
    batch.resubscribed = true;
    subscribed_ = true;
  }
  // After a kUnavailable the listener reconnects (and LISTENs again) inside Wait().
  Result<std::vector<Notification>> got = listener_->Wait(wait);
  if (!got.ok()) {
    subscribed_ = false;
    return got.error();
  }
  if (!subscribed_) {
    batch.resubscribed = true;
    subscribed_ = true;
  }
  for (const Notification& n : *got) {
    Digest d{};
    if (n.channel == channel_ && DigestFromHex(n.payload, &d)) batch.changed.push_back(d);
  }
  return batch;
}

}  // namespace keyward
