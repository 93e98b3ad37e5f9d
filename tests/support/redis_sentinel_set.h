// Test helper: a Sentinel-managed Redis on loopback — one primary, one replica of it and three
// sentinels (Debian's redis-server, the sentinels run with --sentinel) watching it as
// "mymaster" with quorum 2. The constructor returns once the replica has synced and every
// sentinel knows it (throws after 30 s). Failover() asks a sentinel for SENTINEL FAILOVER after
// the replica caught up (WAIT) and returns once the sentinels name the replica as the primary.
// Everything is stopped by PID in the destructor (RedisServer).
// Thread-safety: drive one set from one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "redis_server.h"

namespace keyward_test {

class RedisSentinelSet {
 public:
  RedisSentinelSet();
  // "redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/mymaster/0".
  std::string url() const;
  // The port the first sentinel names as the primary now ("" when it names none).
  std::string PrimaryPort() const;
  // SENTINEL FAILOVER, then waits (≤ 30 s) until the sentinels name the replica; throws if not.
  void Failover();

  RedisServer& primary() { return primary_; }
  RedisServer& replica() { return replica_; }

 private:
  RedisServer primary_;
  RedisServer replica_;
  std::vector<std::unique_ptr<RedisServer>> sentinels_;
};

}  // namespace keyward_test
