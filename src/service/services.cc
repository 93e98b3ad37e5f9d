#include "service/services.h"

#include <spdlog/spdlog.h>

#include "limits/local_credit_meter.h"
#include "limits/local_limiter.h"
#include "limits/redis_credit_meter.h"
#include "limits/redis_limiter.h"
#include "service/postgres_change_feed.h"
#include "service/redis_change_feed.h"

namespace keyward {
namespace {

std::unique_ptr<RedisPool> MakeRedis(const RedisSettings& s) {
  if (!s.enabled()) return nullptr;
  auto url = ParseRedisUrl(s.url);
  if (!url.ok()) throw std::invalid_argument("redis.url " + url.error().message());
  RedisOptions o;
  o.url = std::move(*url);
  o.timeout_ms = s.timeout_ms;
  o.pool_size = s.pool_size;
  return std::make_unique<RedisPool>(std::move(o));
}

std::unique_ptr<Limiter> MakeLimiter(RedisPool* redis, const RedisSettings& s) {
  if (redis) return std::make_unique<RedisLimiter>(*redis, s.key_prefix);
  return std::make_unique<LocalLimiter>();
}

std::unique_ptr<CreditMeter> MakeCredits(RedisPool* redis, const RedisSettings& s, Store& store) {
  if (!redis) return std::make_unique<LocalCreditMeter>();
  // Seeds a balance Redis does not hold from the store (a balance never resets).
  BalanceLoader loader = [&store](std::string_view id) -> Result<std::optional<StoredBalance>> {
    auto row = store.GetAccount(id);
    if (!row.ok()) return row.error();
    if (!row->has_value()) return std::optional<StoredBalance>();
    return std::optional<StoredBalance>(StoredBalance{(*row)->credits});
  };
  return std::make_unique<RedisCreditMeter>(*redis, std::move(loader), s.key_prefix);
}

}  // namespace

Services::Services(std::unique_ptr<Store> store, ServiceSettings settings, const Clock& clock)
    : settings_(std::move(settings)),
      clock_(clock),
      format_(settings_.prefixes),
      store_(std::move(store)),
      redis_(MakeRedis(settings_.redis)),
      limiter_(MakeLimiter(redis_.get(), settings_.redis)),
      credits_(MakeCredits(redis_.get(), settings_.redis, *store_)),
      index_(settings_.negative_cache_seconds * 1'000'000'000),
      directory_(*store_, *credits_, settings_),
      usage_(*store_, *credits_, std::chrono::milliseconds(settings_.usage_flush_interval_ms)),
      verifier_(*store_, index_, directory_, *limiter_, *credits_, usage_, settings_, format_,
                clock_),
      tokens_(*store_, index_, directory_, verifier_, settings_, format_, clock_),
      accounts_(*store_, directory_, *credits_, usage_, settings_, clock_),
      admin_keys_(*store_, format_, clock_, settings_.display_prefix_length),
      idempotency_(*store_, clock_),
      sessions_(*store_, accounts_, *limiter_, settings_, clock_),
      agent_auth_(*store_, tokens_, accounts_, *limiter_, clock_) {
  // Change propagation between nodes: over Redis when it is configured, else over the store
  // itself when that is PostgreSQL (LISTEN/NOTIFY); a SQLite or in-memory store without Redis is
  // one node, nothing to propagate.
  if (redis_) {
    feed_ = std::make_unique<RedisChangeFeed>(*redis_, redis_->options(),
                                              settings_.redis.key_prefix + "changes");
    sync_ = std::make_unique<IndexSync>(
        *store_, index_, directory_, verifier_, *feed_,
        [this]() -> Status {
          if (!redis_->Ping().ok()) {
            return Error(ErrorCode::kUnavailable,
                         "Redis is unavailable; management writes are refused until it answers.");
          }
          return Status::Ok();
        },
        std::chrono::seconds(settings_.redis.resync_seconds));
  } else if (auto* postgres = dynamic_cast<PostgresStore*>(store_.get())) {
    feed_ = std::make_unique<PostgresChangeFeed>(*postgres);
    // The store's own errors say why (and carry no URL).
    sync_ = std::make_unique<IndexSync>(
        *store_, index_, directory_, verifier_, *feed_, [this] { return store_->Ping(); },
        std::chrono::seconds(settings_.store.resync_seconds));
  }
  if (sync_) {
    tokens_.set_notifier(sync_.get());
    accounts_.set_notifier(sync_.get());
  }
}

Services::~Services() {
  Shutdown();
}

Status Services::LoadIndex() {
  // Where the change feed starts: taken before the load, so that a change committed while the
  // index loads is applied afterwards (applying twice is harmless).
  auto cursor = store_->TokenChangeCursor();
  if (!cursor.ok()) return cursor.error();
  size_t loaded = 0;
  Status failure;
  Status st = store_->ForEachUnrevokedToken([&](TokenRow&& row) {
    auto account = directory_.Get(row.account_id);
    if (!account.ok()) {
      failure = account.error();
      return;
    }
    if (!*account) return;  // orphaned row: never valid
    index_.Fill(row.key_hash, verifier_.MakeRecord(row, *account));
    ++loaded;
  });
  if (!st.ok()) return st;
  if (!failure.ok()) return failure;
  // Access tokens whose parent is live (a revoked parent's tokens are dead: they stay out, and a
  // request with one finds the revoked parent through the store).
  size_t tokens = 0;
  st = store_->ForEachAccessToken(
      clock_.NowUnix() - kAccessTokenRetentionSeconds, [&](AccessTokenRow&& row) {
        KeyRecordPtr parent = index_.Find(row.parent_hash);
        if (!parent) return;
        index_.Fill(row.token_hash, verifier_.MakeAccessRecord(row, *parent));
        ++tokens;
      });
  if (!st.ok()) return st;
  spdlog::info("index loaded: {} keys, {} access tokens", loaded, tokens);
  ready_.store(true, std::memory_order_release);
  if (sync_) sync_->Start(*cursor);
  return Status::Ok();
}

Status Services::Readiness() {
  if (!ready()) return Error(ErrorCode::kUnavailable, "The key index is still loading.");
  if (Status st = store_->Ping(); !st.ok()) {
    return Error(ErrorCode::kUnavailable, "The store does not answer: " + st.error().message());
  }
  if (redis_) {
    if (Status st = redis_->Ping(); !st.ok()) {
      return Error(ErrorCode::kUnavailable, "Redis does not answer.");
    }
  }
  if (sync_ && !sync_->caught_up()) {
    return Error(ErrorCode::kUnavailable,
                 "The change feed has not caught up yet (" + sync_->why_not_caught_up() + ").");
  }
  return Status::Ok();
}

size_t Services::PurgeExpiredAccessTokens() {
  const int64_t cutoff = clock_.NowUnix() - kAccessTokenRetentionSeconds;
  auto purged = store_->PurgeAccessTokens(cutoff);
  if (!purged.ok()) {
    spdlog::warn("access token purge failed: {}", purged.error().message());
    return 0;
  }
  const size_t dropped = index_.EraseIf([cutoff](const KeyRecord& r) {
    return r.kind == CredentialKind::kAccessToken && r.expires_at && *r.expires_at <= cutoff;
  });
  if (*purged > 0 || dropped > 0) {
    spdlog::info("purged {} expired access tokens ({} from memory)", *purged, dropped);
  }
  return dropped;
}

void Services::RunMaintenance() {
  maintenance_mu_.Lock();
  while (!maintenance_stop_) {
    maintenance_cv_.WaitFor(maintenance_mu_, std::chrono::seconds(60),
                            [this]() REQUIRES(maintenance_mu_) { return maintenance_stop_; });
    if (maintenance_stop_) break;
    maintenance_mu_.Unlock();
    PurgeExpiredAccessTokens();
    if (int64_t n = idempotency_.Purge(); n > 0) spdlog::info("purged {} idempotency keys", n);
    if (auto n = sessions_.PurgeExpired(); n.ok() && *n > 0) spdlog::info("purged {} sessions", *n);
    if (auto n = agent_auth_.Purge(); n.ok() && *n > 0) {
      spdlog::info("purged {} agent sign-in requests", *n);
    }
    maintenance_mu_.Lock();
  }
  maintenance_mu_.Unlock();
}

void Services::StartMaintenance() {
  MutexLock lock(maintenance_mu_);
  if (!maintenance_.joinable() && !maintenance_stop_) {
    maintenance_ = std::thread([this] { RunMaintenance(); });
  }
}

void Services::Shutdown() {
  {
    MutexLock lock(maintenance_mu_);
    maintenance_stop_ = true;
  }
  maintenance_cv_.SignalAll();
  if (maintenance_.joinable()) maintenance_.join();
  if (sync_) sync_->Stop();
  usage_.Stop();
}

}  // namespace keyward
