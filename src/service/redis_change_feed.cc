#include "service/redis_change_feed.h"

namespace keyward {

RedisChangeFeed::RedisChangeFeed(RedisPool& pool, const RedisOptions& options, std::string channel)
    : pool_(pool), channel_(channel), subscriber_(options, pool.tls(), std::move(channel)) {}

Status RedisChangeFeed::Announce(const Digest& key_hash) {
  const std::string payload = DigestHex(key_hash);
  Result<RedisReply> r = pool_.Command({"PUBLISH", channel_, payload});
  if (!r.ok()) return r.error();
  return Status::Ok();
}

Result<FeedBatch> RedisChangeFeed::Receive(std::chrono::milliseconds wait) {
  FeedBatch batch;
  if (!subscriber_.connected()) {
    if (Status st = subscriber_.Connect(); !st.ok()) return st.error();
    batch.resubscribed = true;
  }
  auto first = subscriber_.Poll(wait);
  if (!first.ok()) return first.error();
  std::optional<std::string> message = std::move(*first);
  // Drain what is already there, bounded, without waiting again.
  for (int i = 0; i < 1024 && message; ++i) {
    Digest d{};
    if (DigestFromHex(*message, &d)) batch.changed.push_back(d);
    auto next = subscriber_.Poll(std::chrono::milliseconds(0));
    if (!next.ok()) return next.error();
    message = std::move(*next);
  }
  return batch;
}

}  // namespace keyward
