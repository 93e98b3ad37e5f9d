// Test helper: a Redis Cluster on loopback — three primaries (Debian's redis-server with
// cluster-enabled yes, each on a free port with its cluster bus on another free port), slots split
// in three ranges with CLUSTER ADDSLOTSRANGE, joined with CLUSTER MEET. The constructor returns
// once every node says cluster_state:ok and knows all three (throws after 30 s). With `replicas`,
// each primary also gets one replica (CLUSTER REPLICATE), synced before the constructor returns.
// Everything is stopped by PID in the destructor (RedisServer). `extra_args` go to every node
// (e.g. an ACL user).
// Thread-safety: drive one set from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "redis_server.h"

namespace keyward_test {

class RedisClusterSet {
 public:
  explicit RedisClusterSet(bool replicas = false, std::vector<std::string> extra_args = {});
  // "redis+cluster://[userinfo@]127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3" (the primaries).
  std::string url(const std::string& userinfo = "") const;
  size_t size() const { return primaries_.size(); }
  RedisServer& primary(size_t i) { return *primaries_[i]; }
  RedisServer& replica(size_t i) { return *replicas_[i]; }
  // The index of the primary serving `slot` now (per CLUSTER NODES of primary 0's view of the
  // ranges given at start: 0 for slots 0–5460, 1 for 5461–10922, 2 for 10923–16383).
  static size_t PrimaryOfSlot(uint16_t slot);
  std::string NodeId(RedisServer& node) const;
  // CLUSTER KEYSLOT of `key` as the server computes it.
  int KeySlot(const std::string& key) const;
  // Moves `slot` from primary `from` to primary `to` the way redis-cli --cluster reshard does:
  // SETSLOT IMPORTING / MIGRATING, MIGRATE every key, SETSLOT NODE on both (and the third).
  // In steps, to see ASK while keys are on their way (BeginMove, MigrateKeys) and MOVED after.
  void MoveSlot(uint16_t slot, size_t from, size_t to);
  void BeginMove(uint16_t slot, size_t from, size_t to);
  void MigrateKeys(uint16_t slot, size_t from, size_t to);
  void FinishMove(uint16_t slot, size_t to);
  // Waits (≤ 30 s) until every running node says cluster_state:ok; throws if not.
  void WaitUntilOk();

 private:
  std::vector<std::unique_ptr<RedisServer>> primaries_;
  std::vector<std::unique_ptr<RedisServer>> replicas_;
  std::vector<uint16_t> bus_ports_;
};

}  // namespace keyward_test
