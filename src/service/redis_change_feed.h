// ChangeFeed over Redis pub/sub: Announce() PUBLISHes the key hash (hex) on a channel through the
// shared pool; Receive() reads from this node's own SUBSCRIBE connection.
// Thread-safety: Announce() from any thread; Receive() from the IndexSync thread only.
#pragma once

#include <string>

#include "limits/redis_client.h"
#include "service/change_feed.h"

namespace keyward {

class RedisChangeFeed final : public ChangeFeed {
 public:
  RedisChangeFeed(RedisPool& pool, const RedisOptions& options, std::string channel);

  Status Announce(const Digest& key_hash) override;
  Result<FeedBatch> Receive(std::chrono::milliseconds wait) override;

 private:
  RedisPool& pool_;
  std::string channel_;
  RedisSubscriber subscriber_;
};

}  // namespace keyward
