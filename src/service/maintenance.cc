#include "service/maintenance.h"

#include <spdlog/spdlog.h>

namespace keyward {

Maintenance::Maintenance(Store& store, KeyIndex& index, IdempotencyService& idempotency,
                         SessionService& sessions, AgentAuthService& agent_auth,
                         UsageService& usage, const Clock& clock, int64_t event_retention_seconds)
    : store_(store),
      index_(index),
      idempotency_(idempotency),
      sessions_(sessions),
      agent_auth_(agent_auth),
      usage_(usage),
      clock_(clock),
      event_retention_seconds_(event_retention_seconds) {}

Maintenance::~Maintenance() {
  Stop();
}

size_t Maintenance::PurgeExpiredAccessTokens() {
  const int64_t cutoff = clock_.NowUnix() - kAccessTokenRetentionSeconds;
  auto purged = store_.PurgeAccessTokens(cutoff);
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

void Maintenance::PurgeOnce() {
  PurgeExpiredAccessTokens();
  if (int64_t n = idempotency_.Purge(); n > 0) spdlog::info("purged {} idempotency keys", n);
  if (auto n = sessions_.PurgeExpired(); n.ok() && *n > 0) spdlog::info("purged {} sessions", *n);
  if (auto n = agent_auth_.Purge(); n.ok() && *n > 0) {
    spdlog::info("purged {} agent sign-in requests", *n);
  }
  if (auto n = usage_.PurgeExpired(); !n.ok()) {
    spdlog::warn("usage purge failed: {}", n.error().ForLog());
  } else if (*n > 0) {
    spdlog::info("purged {} usage rows past their retention", *n);
  }
  if (auto n = store_.PurgeEvents(clock_.NowUnix() - event_retention_seconds_); n.ok() && *n > 0) {
    spdlog::info("purged {} events past their retention", *n);
  }
}

void Maintenance::Run() {
  MutexLock lock(mu_);
  while (!stop_) {
    cv_.WaitFor(mu_, std::chrono::seconds(60), [this]() REQUIRES(mu_) { return stop_; });
    if (stop_) break;
    lock.Unlock();
    PurgeOnce();
    lock.Lock();
  }
}

void Maintenance::Start() {
  MutexLock lock(mu_);
  if (!thread_.joinable() && !stop_) thread_ = std::thread([this] { Run(); });
}

void Maintenance::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keyward
