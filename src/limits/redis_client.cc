// See redis_client.h.
#include "limits/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/time.h>

#include <thread>

#include "core/mutex.h"

namespace keyward {
namespace {

timeval ToTimeval(int ms) {
  timeval tv{};
  tv.tv_sec = ms / 1000;
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

Error Unavailable(std::string_view what) {
  return Error(ErrorCode::kUnavailable, "Redis is unavailable: " + std::string(what));
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r) freeReplyObject(r);
  }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

ReplyPtr Run(redisContext* c, std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data())));
}

// Connects, authenticates and selects the database; nullptr (and `why`) on failure.
redisContext* Open(const RedisOptions& o, std::string* why) {
  redisContext* c =
      redisConnectWithTimeout(o.url.host.c_str(), o.url.port, ToTimeval(o.timeout_ms));
  if (c == nullptr) {
    *why = "cannot allocate a connection";
    return nullptr;
  }
  if (c->err) {
    *why = std::string("cannot connect to ") + o.url.host + ":" + std::to_string(o.url.port) +
           " (" + c->errstr + ")";
    redisFree(c);
    return nullptr;
  }
  redisSetTimeout(c, ToTimeval(o.timeout_ms));
  redisEnableKeepAlive(c);
  auto setup = [&](std::span<const std::string_view> args, const char* what) {
    ReplyPtr r = Run(c, args);
    if (!r || r->type == REDIS_REPLY_ERROR) {
      *why = std::string(what) + " failed";  // never the password
      return false;
    }
    return true;
  };
  if (!o.url.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!o.url.user.empty()) auth.push_back(o.url.user);
    auth.push_back(o.url.password);
    if (!setup(auth, "AUTH")) {
      redisFree(c);
      return nullptr;
    }
  }
  if (o.url.db != 0) {
    const std::string db = std::to_string(o.url.db);
    std::string_view select[] = {"SELECT", db};
    if (!setup(select, "SELECT")) {
      redisFree(c);
      return nullptr;
    }
  }
  return c;
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

}  // namespace

RedisScript::RedisScript(std::string src) : source(std::move(src)), sha1(Sha1Hex(source)) {}

struct RedisPool::Slot {
  Mutex mu;
  redisContext* ctx GUARDED_BY(mu) = nullptr;
  std::chrono::steady_clock::time_point retry_after GUARDED_BY(mu);
  ~Slot() {
    if (ctx) redisFree(ctx);
  }
};

namespace {
std::atomic<uint64_t> g_next_pool_id{1};
}  // namespace

RedisPool::RedisPool(RedisOptions options)
    : options_(std::move(options)), id_(g_next_pool_id.fetch_add(1)) {
  const int n = std::max(1, options_.pool_size);
  for (int i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>());
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

Result<RedisReply> RedisPool::Command(std::span<const std::string_view> args) {
  Slot& slot = SlotForThisThread();
  MutexLock lock(slot.mu);
  if (slot.ctx == nullptr) {
    const auto now = std::chrono::steady_clock::now();
    // Back off only while Redis is known down: once another connection got through, reconnect
    // at once (so that every thread recovers together).
    if (now < slot.retry_after && !healthy_.load(std::memory_order_relaxed)) {
      healthy_.store(false, std::memory_order_relaxed);
      return Unavailable("reconnecting");
    }
    std::string why;
    slot.ctx = Open(options_, &why);
    if (slot.ctx == nullptr) {
      slot.retry_after = now + std::chrono::milliseconds(options_.retry_ms);
      healthy_.store(false, std::memory_order_relaxed);
      return Unavailable(why);
    }
  }
  ReplyPtr r = Run(slot.ctx, args);
  if (!r) {
    std::string why = slot.ctx->err ? slot.ctx->errstr : "no reply";
    redisFree(slot.ctx);
    slot.ctx = nullptr;
    slot.retry_after =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.retry_ms);
    healthy_.store(false, std::memory_order_relaxed);
    return Unavailable(why);
  }
  healthy_.store(true, std::memory_order_relaxed);
  if (r->type == REDIS_REPLY_ERROR) {
    return Error(ErrorCode::kInternalError, std::string(r->str, r->len));
  }
  return Convert(r.get());
}

Result<RedisReply> RedisPool::Eval(const RedisScript& script,
                                   std::span<const std::string_view> keys,
                                   std::span<const std::string_view> args) {
  const std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha1);
  argv.push_back(numkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Result<RedisReply> r = Command(argv);
  if (r.ok() || r.error().code() != ErrorCode::kInternalError ||
      !r.error().message().starts_with("NOSCRIPT")) {
    return r;
  }
  argv[0] = "EVAL";
  argv[1] = script.source;
  return Command(argv);
}

Status RedisPool::Ping() {
  Result<RedisReply> r = Command({"PING"});
  if (!r.ok()) return r.error();
  return Status::Ok();
}

RedisSubscriber::RedisSubscriber(RedisOptions options, std::string channel)
    : options_(std::move(options)), channel_(std::move(channel)) {}

RedisSubscriber::~RedisSubscriber() {
  Close();
}

void RedisSubscriber::Close() {
  if (ctx_) redisFree(static_cast<redisContext*>(ctx_));
  ctx_ = nullptr;
}

Status RedisSubscriber::Connect() {
  Close();
  std::string why;
  redisContext* c = Open(options_, &why);
  if (c == nullptr) return Unavailable(why);
  std::string_view sub[] = {"SUBSCRIBE", channel_};
  ReplyPtr r = Run(c, sub);
  if (!r || r->type != REDIS_REPLY_ARRAY) {
    redisFree(c);
    return Unavailable("SUBSCRIBE failed");
  }
  ctx_ = c;
  return Status::Ok();
}

Result<std::optional<std::string>> RedisSubscriber::Poll(std::chrono::milliseconds wait) {
  auto* c = static_cast<redisContext*>(ctx_);
  if (c == nullptr) return Unavailable("not connected");
  // `why` may point into the context (errstr): copy it before Close() frees the context.
  auto fail = [&](std::string_view why) -> Result<std::optional<std::string>> {
    std::string reason(why);
    Close();
    return Unavailable(reason);
  };
  void* raw = nullptr;
  // A reply already buffered is returned without touching the socket.
  if (redisGetReplyFromReader(c, &raw) != REDIS_OK) return fail("protocol error");
  if (raw == nullptr) {
    pollfd p{c->fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (n < 0) return fail("poll failed");
    if (n == 0) return std::optional<std::string>();
    if (redisBufferRead(c) != REDIS_OK) return fail(c->errstr);
    if (redisGetReplyFromReader(c, &raw) != REDIS_OK) return fail("protocol error");
    if (raw == nullptr) return std::optional<std::string>();  // a partial reply: next time
  }
  ReplyPtr r(static_cast<redisReply*>(raw));
  // ["message", channel, payload]
  if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
      r->element[0]->type == REDIS_REPLY_STRING &&
      std::string_view(r->element[0]->str, r->element[0]->len) == "message" &&
      r->element[2]->type == REDIS_REPLY_STRING) {
    return std::optional<std::string>(std::string(r->element[2]->str, r->element[2]->len));
  }
  return std::optional<std::string>();
}

}  // namespace keyward
