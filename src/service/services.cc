#include "service/services.h"

#include <spdlog/spdlog.h>

#include "limits/redis_limits_and_credits.h"
#include "service/redis_change_feed.h"
#include "service/store_poll_feed.h"

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
  o.tls_ca_file = s.tls_ca_file;
  o.tls_cert_file = s.tls_cert_file;
  o.tls_key_file = s.tls_key_file;
  o.sentinel_password = s.sentinel_password;
  return std::make_unique<RedisPool>(std::move(o));
}

// Limits and credits together (limits/limits_and_credits.h): in Redis when it is configured, else
// in this process.
std::unique_ptr<LimitsAndCredits> MakeLimitsAndCredits(RedisPool* redis, const RedisSettings& s,
                                                       Store& store) {
  if (!redis) return std::make_unique<LocalLimitsAndCredits>();
  // Seeds a balance Redis does not hold from the store (a balance never resets).
  BalanceLoader loader = [&store](std::string_view id) -> Result<std::optional<StoredBalance>> {
    auto row = store.GetAccount(id);
    if (!row.ok()) return row.error();
    if (!row->has_value()) return std::optional<StoredBalance>();
    return std::optional<StoredBalance>(StoredBalance{(*row)->credits});
  };
  return std::make_unique<RedisLimitsAndCredits>(*redis, std::move(loader), s.key_prefix);
}

}  // namespace

Services::Services(std::unique_ptr<Store> store, ServiceSettings settings, const Clock& clock)
    : settings_(std::move(settings)),
      clock_(clock),
      format_(settings_.prefixes),
      store_(std::move(store)),
      redis_(MakeRedis(settings_.redis)),
      limits_and_credits_(MakeLimitsAndCredits(redis_.get(), settings_.redis, *store_)),
      limiter_(&limits_and_credits_->limiter()),
      credits_(&limits_and_credits_->credits()),
      index_(settings_.negative_cache_seconds * 1'000'000'000),
      catalog_(settings_),
      directory_(*store_, *credits_, settings_),
      usage_(*store_, *credits_, std::chrono::milliseconds(settings_.usage_flush_interval_ms)),
      verifier_(*store_, index_, directory_, *limits_and_credits_, usage_, settings_, format_,
                clock_),
      tokens_(*store_, index_, directory_, verifier_, settings_, format_, clock_),
      accounts_(*store_, directory_, *credits_, usage_, settings_, clock_),
      admin_keys_(*store_, format_, clock_, settings_.display_prefix_length),
      idempotency_(*store_, clock_),
      sessions_(*store_, accounts_, *limiter_, settings_, clock_),
      agent_auth_(*store_, tokens_, accounts_, *limiter_, clock_),
      usage_reports_(*store_, settings_.usage, clock_),
      events_(*store_),
      token_notices_(*store_, settings_.events, clock_),
      webhooks_(*store_, settings_.webhooks, clock_),
      leaks_(*store_, tokens_, settings_.leaks, format_, clock_),
      operators_(*store_, clock_),
      plans_(*store_, catalog_, directory_, settings_, clock_),
      refills_(*store_, catalog_, *credits_, usage_, clock_),
      crossings_(*store_, catalog_, clock_),
      maintenance_(*store_, index_, idempotency_, sessions_, agent_auth_, usage_reports_, clock_,
                   settings_.events.retention_seconds) {
  directory_.set_plans(&catalog_);
  usage_.set_observer(&crossings_);
  refills_.set_crossings(&crossings_);
  accounts_.set_crossings(&crossings_);
  if (settings_.accept_foreign) index_.AcceptForeign();  // keys.accept_foreign (API.md 11.4)
  // Change propagation between nodes: over Redis when it is configured, else over the store
  // itself when it offers one (PostgreSQL: LISTEN/NOTIFY); a SQLite store without Redis has no
  // transport, and is polled (StorePollFeed) so that what another process on the same file
  // changes — the CLI, another node — reaches this one within a second.
  bool polled = false;
  if (redis_) {
    feed_ = std::make_unique<RedisChangeFeed>(*redis_, redis_->options(),
                                              settings_.redis.key_prefix + "changes");
    sync_ = std::make_unique<IndexSync>(
        *store_, index_, directory_, *feed_,
        [this]() -> Status {
          if (!redis_->Ping().ok()) {
            return Error(ErrorCode::kUnavailable,
                         "Redis is unavailable; management writes are refused until it answers.");
          }
          return Status::Ok();
        },
        std::chrono::seconds(settings_.redis.resync_seconds));
  } else if ((feed_ = store_->OpenChangeFeed())) {
    // The store's own errors say why (and carry no URL).
    sync_ = std::make_unique<IndexSync>(
        *store_, index_, directory_, *feed_, [this] { return store_->Ping(); },
        std::chrono::seconds(settings_.store.resync_seconds));
  } else {
    feed_ = std::make_unique<StorePollFeed>();
    sync_ = std::make_unique<IndexSync>(*store_, index_, directory_, *feed_, nullptr,
                                        StorePollFeed::kStorePollInterval);
    polled = true;
  }
  if (sync_) {
    tokens_.set_notifier(sync_.get());
    accounts_.set_notifier(sync_.get());
    plans_.set_notifier(sync_.get());
    sync_->set_plans(&catalog_);
  }
  std::function<Status()> ping_redis;
  if (redis_) ping_redis = [redis = redis_.get()] { return redis->Ping(); };
  // A polled local file is never "not caught up": readiness does not wait for it.
  readiness_ = std::make_unique<ReadinessProbe>(*store_, std::move(ping_redis),
                                                polled ? nullptr : sync_.get());
}

Services::~Services() {
  Shutdown();
}

Status Services::LoadIndex() {
  // [plans.NAME] of the configuration, applied at every start (API.md 11.2).
  if (Status st = plans_.ApplyConfigPlans(); !st.ok()) return st;
  // Where the change feed starts: taken before the load, so that a change committed while the
  // index loads is applied afterwards (applying twice is harmless).
  auto cursor = store_->TokenChangeCursor();
  if (!cursor.ok()) return cursor.error();
  auto account_cursor = store_->AccountChangeCursor();
  if (!account_cursor.ok()) return account_cursor.error();
  size_t loaded = 0;
  Status failure;
  Status st = store_->ForEachUnrevokedToken([&](TokenRow&& row) {
    auto account = directory_.Get(row.account_id);
    if (!account.ok()) {
      failure = account.error();
      return;
    }
    if (!*account) return;                     // orphaned row: never valid
    if (row.imported) index_.AcceptForeign();  // a key was imported: API.md 11.4
    index_.Fill(row.key_hash, MakeRecord(row, *account));
    ++loaded;
  });
  if (!st.ok()) return st;
  if (!failure.ok()) return failure;
  // Access tokens whose parent is live (a revoked parent's tokens are dead: they stay out, and a
  // request with one finds the revoked parent through the store).
  size_t tokens = 0;
  st = store_->ForEachAccessToken(clock_.NowUnix() - kAccessTokenRetentionSeconds,
                                  [&](AccessTokenRow&& row) {
                                    KeyRecordPtr parent = index_.Find(row.parent_hash);
                                    if (!parent) return;
                                    index_.Fill(row.token_hash, MakeAccessRecord(row, *parent));
                                    ++tokens;
                                  });
  if (!st.ok()) return st;
  spdlog::info("index loaded: {} keys, {} access tokens", loaded, tokens);
  readiness_->MarkLoaded();
  if (sync_) sync_->Start(*cursor, *account_cursor);
  return Status::Ok();
}

void Services::Shutdown() {
  maintenance_.Stop();
  token_notices_.Stop();
  refills_.Stop();
  if (sync_) sync_->Stop();
  usage_.Stop();
}

}  // namespace keyward
