// See redis_cluster.h.
#include "limits/redis_cluster.h"

namespace keyward {
namespace {

Error Unavailable(std::string_view what) {
  return Error(ErrorCode::kUnavailable, "Redis is unavailable: " + std::string(what));
}

std::string Where(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

bool IsNoScript(const Status& st) {
  return !st.ok() && st.error().code() == ErrorCode::kInternalError &&
         st.error().message().starts_with("NOSCRIPT");
}

void AppendEval(std::string& out, std::string_view verb, std::string_view script,
                std::span<const RedisArg> keys, std::span<const RedisArg> args) {
  AppendRedisArrayHeader(out, 3 + keys.size() + args.size());
  AppendRedisBulk(out, RedisArg(verb));
  AppendRedisBulk(out, RedisArg(script));
  AppendRedisBulk(out, RedisArg::Number(static_cast<int64_t>(keys.size())));
  for (const RedisArg& k : keys) AppendRedisBulk(out, k);
  for (const RedisArg& a : args) AppendRedisBulk(out, a);
}

RedisDeadline DeadlineIn(int ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

std::atomic<uint64_t> g_next_cluster_id{1};
std::atomic<size_t> g_next_seed{0};

}  // namespace

Result<std::unique_ptr<RedisConnection>> ConnectToAnyClusterNode(const RedisOptions& o) {
  const std::vector<RedisHostPort>& seeds = o.url.cluster_nodes;
  if (seeds.empty()) return Unavailable("no Redis Cluster node given");
  const size_t start = g_next_seed.fetch_add(1, std::memory_order_relaxed);
  std::string why;
  for (size_t i = 0; i < seeds.size(); ++i) {
    const RedisHostPort& s = seeds[(start + i) % seeds.size()];
    auto c = RedisConnection::Open(o, s.host, s.port, nullptr);
    if (c.ok()) return c;
    why = c.error().message();
  }
  return Unavailable("no Redis Cluster node reachable (" + why + ")");
}

struct RedisCluster::Slot {
  Mutex mu;
  std::unique_ptr<RedisConnection> conn GUARDED_BY(mu);
  std::chrono::steady_clock::time_point retry_after GUARDED_BY(mu);
};

struct RedisCluster::Node {
  std::string host;
  uint16_t port = 0;
  std::string where;
  std::vector<std::unique_ptr<Slot>> slots;
};

RedisCluster::RedisCluster(RedisOptions options)
    : options_(std::move(options)), id_(g_next_cluster_id.fetch_add(1)) {
  for (auto& o : owner_) o.store(kNoNode, std::memory_order_relaxed);
}

RedisCluster::~RedisCluster() = default;

Status RedisCluster::NoteFailure(Error e) {
  healthy_.store(false, std::memory_order_relaxed);
  MutexLock lock(error_mu_);
  last_error_ = e.message();
  return e;
}

std::string RedisCluster::last_error() const {
  MutexLock lock(error_mu_);
  return last_error_;
}

int RedisCluster::FindOrAddNode(const std::string& host, uint16_t port) {
  const size_t n = node_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    if (nodes_[i]->port == port && nodes_[i]->host == host) return static_cast<int>(i);
  }
  MutexLock lock(nodes_mu_);
  const size_t m = node_count_.load(std::memory_order_acquire);
  for (size_t i = n; i < m; ++i) {
    if (nodes_[i]->port == port && nodes_[i]->host == host) return static_cast<int>(i);
  }
  if (m == kMaxNodes || m >= kNoNode) return -1;
  auto node = std::make_unique<Node>();
  node->host = host;
  node->port = port;
  node->where = Where(host, port);
  const int pool = std::max(1, options_.pool_size);
  for (int i = 0; i < pool; ++i) node->slots.push_back(std::make_unique<Slot>());
  nodes_[m] = std::move(node);
  node_count_.store(m + 1, std::memory_order_release);
  return static_cast<int>(m);
}

Status RedisCluster::Refresh() {
  MutexLock lock(refresh_mu_);
  return RefreshLocked();
}

Status RedisCluster::RefreshLocked() {
  last_refresh_ = std::chrono::steady_clock::now();
  // The known nodes first (they follow failovers), then the seeds.
  std::vector<RedisHostPort> candidates;
  const size_t n = node_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) candidates.push_back({nodes_[i]->host, nodes_[i]->port});
  for (const RedisHostPort& s : options_.url.cluster_nodes) candidates.push_back(s);
  std::string why = "none listed";
  for (const RedisHostPort& c : candidates) {
    auto conn = RedisConnection::Open(options_, c.host, c.port, nullptr);
    if (!conn.ok()) {
      why = conn.error().message();
      continue;
    }
    RedisArg slots[] = {"CLUSTER", "SLOTS"};
    Result<RedisReply> reply = (*conn)->Call(slots, DeadlineIn(options_.timeout_ms));
    if (!reply.ok()) {
      why =
          Where(c.host, c.port) + " did not answer CLUSTER SLOTS (" + reply.error().message() + ")";
      continue;
    }
    auto ranges = ParseClusterSlots(*reply, c.host);
    if (!ranges.ok()) {
      why = Where(c.host, c.port) + ": " + ranges.error().message();
      continue;
    }
    std::array<uint8_t, kRedisClusterSlots> fresh;
    fresh.fill(kNoNode);
    bool too_many = false;
    for (const ClusterSlotRange& r : *ranges) {
      const int node = FindOrAddNode(r.host, r.port);
      if (node < 0) {
        too_many = true;
        continue;
      }
      for (uint32_t s = r.first; s <= r.last; ++s) fresh[s] = static_cast<uint8_t>(node);
    }
    for (size_t s = 0; s < kRedisClusterSlots; ++s) {
      owner_[s].store(fresh[s], std::memory_order_relaxed);
    }
    map_loaded_.store(true, std::memory_order_release);
    if (too_many)
      return NoteFailure(
          Unavailable("the Redis Cluster has more nodes than keyward "
                      "follows (64)"));
    return Status::Ok();
  }
  return NoteFailure(Unavailable("no Redis Cluster node answered CLUSTER SLOTS (" + why + ")"));
}

void RedisCluster::RefreshSoon(bool wait) {
  if (wait) {
    refresh_mu_.Lock();  // the map is not loaded yet: wait for the reload under way
  } else if (!refresh_mu_.TryLock()) {
    return;  // another thread is reloading it
  }
  if (std::chrono::steady_clock::now() - last_refresh_ >=
      std::chrono::milliseconds(options_.retry_ms)) {
    (void)RefreshLocked();
  }
  refresh_mu_.Unlock();
}

Status RedisCluster::OnNode(Node& node, bool asking, RedisCall call) {
  // The thread's slot index, as RedisPool's: chosen once per thread for this cluster.
  thread_local std::vector<std::pair<uint64_t, size_t>> chosen;
  size_t index = SIZE_MAX;
  for (auto& [cluster, i] : chosen) {
    if (cluster == id_) index = i;
  }
  if (index == SIZE_MAX) {
    index = next_slot_.fetch_add(1, std::memory_order_relaxed);
    if (chosen.size() > 16) chosen.clear();
    chosen.emplace_back(id_, index);
  }
  Slot& slot = *node.slots[index % node.slots.size()];
  MutexLock lock(slot.mu);
  const auto now = std::chrono::steady_clock::now();
  if (slot.conn == nullptr) {
    if (now < slot.retry_after && !healthy_.load(std::memory_order_relaxed)) {
      return Unavailable(node.where + " is reconnecting");
    }
    auto conn = RedisConnection::Open(options_, node.host, node.port, nullptr);
    if (!conn.ok()) {
      slot.retry_after = now + std::chrono::milliseconds(options_.retry_ms);
      return NoteFailure(conn.error());
    }
    slot.conn = std::move(*conn);
  }
  const RedisDeadline deadline = now + std::chrono::milliseconds(options_.timeout_ms);
  Status st = Status::Ok();
  if (asking) {
    RedisArg ask[] = {"ASKING"};
    Result<RedisReply> r = slot.conn->Call(ask, deadline);
    if (!r.ok()) st = r.error();
  }
  if (st.ok()) st = call(*slot.conn, deadline);
  if (!st.ok() && st.error().code() == ErrorCode::kUnavailable) {
    slot.conn.reset();
    slot.retry_after =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retry_ms);
    return NoteFailure(st.error());
  }
  healthy_.store(true, std::memory_order_relaxed);
  return st;
}

Status RedisCluster::Run(uint16_t slot, RedisCall call) {
  slot %= kRedisClusterSlots;
  uint8_t node = owner_[slot].load(std::memory_order_relaxed);
  if (node == kNoNode) {
    // Not loaded yet, or the slot lost its primary: reload (at most once per retry_ms, one
    // thread at a time — a cluster that is down must not hold every request in a reload).
    RefreshSoon(/*wait=*/!map_loaded_.load(std::memory_order_acquire));
    node = owner_[slot].load(std::memory_order_relaxed);
    if (node == kNoNode) {
      if (!map_loaded_.load(std::memory_order_acquire)) {
        std::string why = last_error();
        if (!why.empty()) return Error(ErrorCode::kUnavailable, std::move(why));
      }
      return NoteFailure(
          Unavailable("no Redis Cluster primary serves slot " + std::to_string(slot)));
    }
  }
  bool asking = false;
  bool asked = false;
  for (int hop = 0; hop <= kMaxHops; ++hop) {
    Node& target = *nodes_[node];
    Status st = OnNode(target, asking, call);
    if (st.ok()) return st;
    const Error& e = st.error();
    if (e.code() == ErrorCode::kUnavailable) {
      RefreshSoon(false);  // a failed primary: find the replica promoted in its place
      return st;
    }
    if (e.code() != ErrorCode::kInternalError) return st;
    const std::string& text = e.message();
    if (text.starts_with("TRYAGAIN") || text.starts_with("CLUSTERDOWN")) {
      return NoteFailure(Unavailable("Redis Cluster answered " + text.substr(0, text.find(' ')) +
                                     " from " + target.where));
    }
    std::optional<ClusterRedirect> r = ParseClusterRedirect(text);
    if (!r) return st;
    const int next = FindOrAddNode(r->host, r->port);
    if (next < 0) return NoteFailure(Unavailable("the Redis Cluster has too many nodes"));
    if (r->ask) {
      if (asked) break;  // ASK is followed once
      asked = true;
      asking = true;
    } else {
      asking = false;
      owner_[r->slot].store(static_cast<uint8_t>(next), std::memory_order_relaxed);
      RefreshSoon(false);
      // The reload may name yet another node; the slot as MOVED named it is tried first.
      owner_[r->slot].store(static_cast<uint8_t>(next), std::memory_order_relaxed);
    }
    node = static_cast<uint8_t>(next);
  }
  return NoteFailure(
      Unavailable("Redis Cluster redirected slot " + std::to_string(slot) + " too often"));
}

Result<RedisReply> RedisCluster::Command(std::span<const RedisArg> args) {
  const uint16_t slot = args.size() > 1 ? RedisArgSlot(args[1]) : 0;
  RedisReply reply;
  auto call = [&](RedisConnection& c, RedisDeadline deadline) -> Status {
    Result<RedisReply> r = c.Call(args, deadline);
    if (!r.ok()) return r.error();
    reply = std::move(*r);
    return Status::Ok();
  };
  if (Status st = Run(slot, RedisCall::Of(call)); !st.ok()) return st.error();
  return reply;
}

Result<RedisReply> RedisCluster::Eval(std::string_view sha1, std::string_view source,
                                      std::span<const RedisArg> keys,
                                      std::span<const RedisArg> args) {
  const uint16_t slot = keys.empty() ? 0 : RedisArgSlot(keys[0]);
  RedisReply reply;
  auto call = [&](RedisConnection& c, RedisDeadline deadline) -> Status {
    for (int attempt = 0; attempt < 2; ++attempt) {
      AppendEval(c.out(), attempt == 0 ? "EVALSHA" : "EVAL", attempt == 0 ? sha1 : source, keys,
                 args);
      if (Status w = c.Flush(deadline); !w.ok()) return w;
      Result<RedisReply> r = c.Read(deadline);
      if (r.ok()) {
        reply = std::move(*r);
        return Status::Ok();
      }
      if (attempt == 0 && IsNoScript(r.error())) continue;
      return r.error();
    }
    return Status::Ok();
  };
  if (Status st = Run(slot, RedisCall::Of(call)); !st.ok()) return st.error();
  return reply;
}

Status RedisCluster::EvalIntegers(std::string_view sha1, std::string_view source,
                                  std::span<const RedisArg> keys, std::span<const RedisArg> args,
                                  std::span<int64_t> out, size_t* count) {
  *count = 0;
  const uint16_t slot = keys.empty() ? 0 : RedisArgSlot(keys[0]);
  auto call = [&](RedisConnection& c, RedisDeadline deadline) -> Status {
    for (int attempt = 0; attempt < 2; ++attempt) {
      AppendEval(c.out(), attempt == 0 ? "EVALSHA" : "EVAL", attempt == 0 ? sha1 : source, keys,
                 args);
      if (Status w = c.Flush(deadline); !w.ok()) return w;
      Status r = c.ReadIntegers(deadline, out, count);
      if (attempt == 0 && IsNoScript(r)) continue;
      return r;
    }
    return Status::Ok();
  };
  return Run(slot, RedisCall::Of(call));
}

Status RedisCluster::Ping() {
  if (!map_loaded_.load(std::memory_order_acquire)) {
    if (Status st = Refresh(); !st.ok()) return st;
  }
  size_t unserved = 0;
  std::array<bool, kMaxNodes> primary{};
  for (int pass = 0; pass < 2; ++pass) {
    unserved = 0;
    primary.fill(false);
    for (const auto& o : owner_) {
      const uint8_t n = o.load(std::memory_order_relaxed);
      if (n == kNoNode) {
        ++unserved;
      } else {
        primary[n] = true;
      }
    }
    if (unserved == 0 || pass == 1) break;
    if (Status st = Refresh(); !st.ok()) return st;  // the map may be stale: ask again
  }
  if (unserved > 0) {
    return NoteFailure(Unavailable("the Redis Cluster has " + std::to_string(unserved) +
                                   " slots without a primary"));
  }
  const size_t n = node_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    if (!primary[i]) continue;
    Node& node = *nodes_[i];
    std::string info;
    auto call = [&](RedisConnection& c, RedisDeadline deadline) -> Status {
      RedisArg cmd[] = {"CLUSTER", "INFO"};
      Result<RedisReply> r = c.Call(cmd, deadline);
      if (!r.ok()) return r.error();
      info = std::move(r->str);
      return Status::Ok();
    };
    Status st = OnNode(node, false, RedisCall::Of(call));
    if (!st.ok()) {
      if (st.error().code() == ErrorCode::kUnavailable) RefreshSoon(false);
      return st;
    }
    if (info.find("cluster_state:ok") == std::string::npos) {
      const size_t at = info.find("cluster_state:");
      const std::string state =
          at == std::string::npos ? "unknown" : info.substr(at + 14, info.find('\r', at) - at - 14);
      return NoteFailure(
          Unavailable("Redis Cluster node " + node.where + " says cluster_state:" + state));
    }
  }
  return Status::Ok();
}

std::string RedisCluster::NodeForSlot(uint16_t slot) const {
  const uint8_t n = owner_[slot % kRedisClusterSlots].load(std::memory_order_relaxed);
  if (n == kNoNode) return "";
  return nodes_[n]->where;
}

std::vector<std::string> RedisCluster::Primaries() const {
  std::array<bool, kMaxNodes> primary{};
  for (const auto& o : owner_) {
    const uint8_t n = o.load(std::memory_order_relaxed);
    if (n != kNoNode) primary[n] = true;
  }
  std::vector<std::string> out;
  const size_t n = node_count_.load(std::memory_order_acquire);
  for (size_t i = 0; i < n; ++i) {
    if (primary[i]) out.push_back(nodes_[i]->where);
  }
  return out;
}

std::vector<uint16_t> RedisCluster::SlotPerPrimary() const {
  std::array<bool, kMaxNodes> seen{};
  std::vector<uint16_t> out;
  for (size_t s = 0; s < kRedisClusterSlots; ++s) {
    const uint8_t n = owner_[s].load(std::memory_order_relaxed);
    if (n == kNoNode || seen[n]) continue;
    seen[n] = true;
    out.push_back(static_cast<uint16_t>(s));
  }
  return out;
}

}  // namespace keyward
