// See redis_client.h.
#include "limits/redis_client.h"

#include <openssl/evp.h>

#include <charconv>

namespace keyward {
namespace {

Error Unavailable(std::string_view what) {
  return Error(ErrorCode::kUnavailable, "Redis is unavailable: " + std::string(what));
}

std::string Sha1Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
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

std::atomic<uint64_t> g_next_pool_id{1};

// A server that was the primary and was demoted answers writes with READONLY: the connection is
// then as good as broken (the next one asks the sentinels again).
bool IsDemoted(const Status& st) {
  return !st.ok() && st.error().code() == ErrorCode::kInternalError &&
         st.error().message().starts_with("READONLY");
}

}  // namespace

namespace {

// "host:port" of the primary the first answering sentinel names; "" when none does.
std::string AskSentinels(const RedisOptions& o) {
  RedisOptions ask;
  ask.timeout_ms = o.timeout_ms;
  ask.url.password = o.sentinel_password;
  for (const RedisHostPort& s : o.url.sentinels) {
    auto sc = RedisConnection::Open(ask, s.host, s.port, nullptr);
    if (!sc.ok()) continue;
    RedisArg get[] = {"SENTINEL", "get-master-addr-by-name", o.url.master_name};
    Result<RedisReply> addr = (*sc)->Call(
        get, std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms));
    if (!addr.ok() || addr->type != RedisReply::Type::kArray || addr->elements.size() != 2) {
      continue;
    }
    const std::string& host = addr->elements[0].str;
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
           addr->elements[1].str;
  }
  return "";
}

}  // namespace

Result<std::unique_ptr<RedisConnection>> ConnectToPrimary(const RedisOptions& o,
                                                          const RedisTls* tls) {
  if (o.url.cluster()) return ConnectToAnyClusterNode(o);  // redis+cluster://: any node
  if (!o.url.sentinel()) return RedisConnection::Open(o, o.url.host, o.url.port, tls);
  RedisOptions ask;  // the sentinels: plain TCP, their own password, no database
  ask.timeout_ms = o.timeout_ms;
  ask.url.password = o.sentinel_password;
  std::string why;
  for (const RedisHostPort& s : o.url.sentinels) {
    const std::string where = s.host + ":" + std::to_string(s.port);
    auto sc = RedisConnection::Open(ask, s.host, s.port, nullptr);
    if (!sc.ok()) {
      why = sc.error().message();
      continue;
    }
    RedisArg get[] = {"SENTINEL", "get-master-addr-by-name", o.url.master_name};
    Result<RedisReply> addr = (*sc)->Call(
        get, std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms));
    if (!addr.ok()) {
      why = "sentinel " + where + " did not answer (" + addr.error().message() + ")";
      continue;
    }
    uint16_t port = 0;
    if (addr->type != RedisReply::Type::kArray || addr->elements.size() != 2 ||
        std::from_chars(addr->elements[1].str.data(),
                        addr->elements[1].str.data() + addr->elements[1].str.size(), port)
                .ec != std::errc()) {
      why = "sentinel " + where + " does not know a primary named " + o.url.master_name;
      continue;
    }
    const std::string host = addr->elements[0].str;
    auto c = RedisConnection::Open(o, host, port, tls);
    if (!c.ok()) {
      why = c.error().message();
      continue;
    }
    RedisArg role[] = {"ROLE"};
    Result<RedisReply> r = (*c)->Call(
        role, std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout_ms));
    if (!r.ok() || r->type != RedisReply::Type::kArray || r->elements.empty() ||
        r->elements[0].str != "master") {
      why = (*c)->where() + ", named by sentinel " + where + ", is not the primary (yet)";
      continue;
    }
    return c;
  }
  return Unavailable("no primary " + o.url.master_name +
                     " from the sentinels: " + (why.empty() ? std::string("none listed") : why));
}

RedisScript::RedisScript(std::string src) : source(std::move(src)), sha1(Sha1Hex(source)) {}

struct RedisPool::Slot {
  Mutex mu;
  std::unique_ptr<RedisConnection> conn GUARDED_BY(mu);
  std::chrono::steady_clock::time_point retry_after GUARDED_BY(mu);
};

RedisPool::RedisPool(RedisOptions options)
    : options_(std::move(options)),
      tls_(options_.url.tls ? std::make_unique<RedisTls>(options_) : nullptr),
      id_(g_next_pool_id.fetch_add(1)) {
  const int n = std::max(1, options_.pool_size);
  for (int i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>());
  if (options_.url.cluster()) cluster_ = std::make_unique<RedisCluster>(options_);
}

RedisPool::~RedisPool() = default;

RedisPool::Slot& RedisPool::SlotForThisThread() {
  // One slot per thread for the thread's life (per pool: a thread may use several pools).
  // Keyed by the pool's id, not its address: a new pool may reuse a destroyed one's address.
  thread_local std::vector<std::pair<uint64_t, size_t>> chosen;
  for (auto& [pool, index] : chosen) {
    if (pool == id_) return *slots_[index];
  }
  const size_t index = next_slot_.fetch_add(1, std::memory_order_relaxed) % slots_.size();
  if (chosen.size() > 16) chosen.clear();  // pools come and go in tests; stay bounded
  chosen.emplace_back(id_, index);
  return *slots_[index];
}

void RedisPool::NoteFailure(const Error& e) {
  healthy_.store(false, std::memory_order_relaxed);
  MutexLock lock(error_mu_);
  last_error_ = e.message();
}

std::string RedisPool::last_error() const {
  if (cluster_) return cluster_->last_error();  // redis+cluster://
  MutexLock lock(error_mu_);
  return last_error_;
}

template <typename Call>
Status RedisPool::OnConnection(Call&& call) {
  Slot& slot = SlotForThisThread();
  MutexLock lock(slot.mu);
  const auto now = std::chrono::steady_clock::now();
  if (slot.conn == nullptr) {
    // Back off only while Redis is known down: once another connection got through, reconnect
    // at once (so that every thread recovers together).
    if (now < slot.retry_after && !healthy_.load(std::memory_order_relaxed)) {
      std::string why = last_error();  // the reason the last attempt failed, for /readyz
      if (why.empty()) return Unavailable("reconnecting");
      return Error(ErrorCode::kUnavailable, std::move(why));
    }
    auto conn = ConnectToPrimary(options_, tls_.get());
    if (!conn.ok()) {
      slot.retry_after = now + std::chrono::milliseconds(options_.retry_ms);
      NoteFailure(conn.error());
      return conn.error();
    }
    slot.conn = std::move(*conn);
  }
  const RedisDeadline deadline = now + std::chrono::milliseconds(options_.timeout_ms);
  Status st = call(*slot.conn, deadline);
  if (IsDemoted(st)) st = Unavailable((*slot.conn).where() + " is no longer the primary");
  if (!st.ok() && st.error().code() == ErrorCode::kUnavailable) {
    slot.conn.reset();
    slot.retry_after =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retry_ms);
    NoteFailure(st.error());
    return st;
  }
  healthy_.store(true, std::memory_order_relaxed);
  return st;
}

Result<RedisReply> RedisPool::Command(std::span<const RedisArg> args) {
  if (cluster_) return cluster_->Command(args);  // redis+cluster://
  RedisReply reply;
  Status st = OnConnection([&](RedisConnection& c, RedisDeadline deadline) -> Status {
    Result<RedisReply> r = c.Call(args, deadline);
    if (!r.ok()) return r.error();
    reply = std::move(*r);
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return reply;
}

Result<RedisReply> RedisPool::Eval(const RedisScript& script, std::span<const RedisArg> keys,
                                   std::span<const RedisArg> args) {
  if (cluster_) return cluster_->Eval(script.sha1, script.source, keys, args);  // cluster
  RedisReply reply;
  Status st = OnConnection([&](RedisConnection& c, RedisDeadline deadline) -> Status {
    for (int attempt = 0; attempt < 2; ++attempt) {
      AppendEval(c.out(), attempt == 0 ? "EVALSHA" : "EVAL",
                 attempt == 0 ? script.sha1 : script.source, keys, args);
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
  });
  if (!st.ok()) return st.error();
  return reply;
}

Status RedisPool::EvalIntegers(const RedisScript& script, std::span<const RedisArg> keys,
                               std::span<const RedisArg> args, std::span<int64_t> out,
                               size_t* count) {
  if (cluster_) return cluster_->EvalIntegers(script.sha1, script.source, keys, args, out, count);
  *count = 0;
  return OnConnection([&](RedisConnection& c, RedisDeadline deadline) -> Status {
    for (int attempt = 0; attempt < 2; ++attempt) {
      AppendEval(c.out(), attempt == 0 ? "EVALSHA" : "EVAL",
                 attempt == 0 ? script.sha1 : script.source, keys, args);
      if (Status w = c.Flush(deadline); !w.ok()) return w;
      Status r = c.ReadIntegers(deadline, out, count);
      if (attempt == 0 && IsNoScript(r)) continue;
      return r;
    }
    return Status::Ok();
  });
}

Status RedisPool::Ping() {
  if (cluster_) return cluster_->Ping();  // redis+cluster://: the cluster's state, every primary
  Result<RedisReply> r = Command({"PING"});
  if (!r.ok()) return r.error();
  return Status::Ok();
}

RedisSubscriber::RedisSubscriber(RedisOptions options, const RedisTls* tls, std::string channel)
    : options_(std::move(options)), tls_(tls), channel_(std::move(channel)) {}

RedisSubscriber::~RedisSubscriber() {
  Close();
}

void RedisSubscriber::Close() {
  conn_.reset();
}

Status RedisSubscriber::Connect() {
  Close();
  auto c = ConnectToPrimary(options_, tls_);
  if (!c.ok()) return c.error();
  RedisArg sub[] = {"SUBSCRIBE", channel_};
  const RedisDeadline deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  Result<RedisReply> r = (*c)->Call(sub, deadline);
  if (!r.ok() || r->type != RedisReply::Type::kArray) return Unavailable("SUBSCRIBE failed");
  conn_ = std::move(*c);
  return Status::Ok();
}

bool RedisSubscriber::PrimaryMoved() {
  if (!options_.url.sentinel() || conn_ == nullptr) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_primary_check_) return false;
  next_primary_check_ = now + std::chrono::seconds(1);
  const std::string primary = AskSentinels(options_);
  return !primary.empty() && primary != conn_->where();
}

Result<std::optional<std::string>> RedisSubscriber::Poll(std::chrono::milliseconds wait) {
  if (conn_ == nullptr) return Unavailable("not connected");
  if (PrimaryMoved()) {
    const std::string was = conn_->where();
    Close();
    return Unavailable(was + " is no longer the primary");
  }
  auto fail = [&](const Error& e) -> Result<std::optional<std::string>> {
    Close();
    return e;
  };
  Result<bool> readable = conn_->WaitReadable(wait);
  if (!readable.ok()) return fail(readable.error());
  if (!*readable) return std::optional<std::string>();
  Result<std::optional<RedisReply>> next = conn_->TryRead();
  if (!next.ok()) return fail(next.error());
  if (!next->has_value()) return std::optional<std::string>();  // a partial reply: next time
  const RedisReply& r = **next;
  // ["message", channel, payload]
  if (r.type == RedisReply::Type::kArray && r.elements.size() == 3 &&
      r.elements[0].type == RedisReply::Type::kString && r.elements[0].str == "message" &&
      r.elements[2].type == RedisReply::Type::kString) {
    return std::optional<std::string>(r.elements[2].str);
  }
  return std::optional<std::string>();
}

}  // namespace keyward
