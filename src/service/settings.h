// The service layer's view of the configuration: immutable after start-up; thread-safe to read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/cidr.h"
#include "core/key_format.h"
#include "core/rate_spec.h"
#include "core/route_table.h"
#include "store/plan.h"

namespace keyward {

struct SandboxSettings {
  bool enabled = true;
  std::string key = "sandbox-with-json-responses";
  RateSpec rate_limit{10, 60};
};

// The web dashboard and its sessions (API.md 8).
struct DashboardSettings {
  bool signup = true;                   // POST /v1/signup open to anyone
  int64_t session_seconds = 7 * 86400;  // a session's lifetime from sign-in
  RateSpec signin_per_account{10, 60};  // sign-in attempts per email
  RateSpec signin_per_ip{30, 60};       // sign-in and sign-up attempts per client IP
};

// [redis] (API.md 9): shared limits, credits and change propagation between nodes.
struct RedisSettings {
  std::string url;          // empty: one node, everything in-process
  bool fail_open = false;   // on_unavailable = "open"
  int timeout_ms = 250;     // connect, read and write of every Redis call
  int pool_size = 16;       // connections per node
  int resync_seconds = 10;  // periodic catch-up from the store (every second while Redis is down)
  std::string key_prefix = "kw:";  // of every Redis key and the pub/sub channel
  std::string tls_ca_file;         // rediss://: CA bundle (empty: the system's)
  std::string tls_cert_file;       // rediss://: optional client certificate and key
  std::string tls_key_file;
  std::string sentinel_password;  // redis+sentinel://: when the sentinels require AUTH

  bool enabled() const { return !url.empty(); }
};

// [store] (API.md 9), as far as the service uses it.
struct StoreSettings {
  // PostgreSQL without Redis: periodic catch-up from the store behind LISTEN/NOTIFY (every second
  // while the listener is down). With Redis, redis.resync_seconds applies instead.
  int resync_seconds = 30;
};

// [usage] (API.md 12, 16): how long usage rows are kept, by granularity.
struct UsageSettings {
  int64_t minute_retention_seconds = 48 * 3600;
  int64_t hour_retention_seconds = 90 * 86400;
  int64_t day_retention_seconds = 730 * 86400;
};

// [events] (API.md 13, 16).
struct EventSettings {
  int64_t retention_seconds = 30 * 86400;       // events.retention_days
  int64_t expiring_notice_seconds = 7 * 86400;  // events.expiring_notice_days (0 = none)
  int64_t notice_interval_seconds = 10;         // how often token.expired/.expiring are looked for
};

// [webhooks] (API.md 14, 16).
struct WebhookSettings {
  int64_t timeout_ms = 10'000;  // webhooks.timeout: a 2xx within it delivers
  // webhooks.retry_schedule: the delay before each retry; after the last one the delivery failed.
  std::vector<int64_t> retry_schedule_seconds = {60,    300,   1800,  7200, 21600,
                                                 43200, 86400, 86400, 86400};
  int64_t disable_after_seconds = 3 * 86400;  // nothing but failures this long → disabled
  std::vector<std::string> allow_http;        // hosts that may be called over plain http
  std::vector<Cidr> allow_private;            // private/loopback targets that may be called
  bool allow_account_endpoints = false;       // may accounts own endpoints?
  // The key that seals endpoint secrets at rest (32 bytes; from webhooks.secret_key or the data
  // directory's webhook.key). Empty: secrets cannot be sealed, creating an endpoint fails.
  std::string seal_key;
  int64_t poll_interval_ms = 500;  // how often each node looks for due deliveries
  int workers = 4;                 // concurrent attempts per node
};

// [leaks] (API.md 15).
struct LeakSettings {
  bool revoke = true;  // leaks.action: "revoke" (true) or "notify"
  struct PublicKey {
    std::string id;
    std::string pem;
  };
  std::vector<PublicKey> github_public_keys;
};

struct ServiceSettings {
  KeyPrefixes prefixes;
  size_t display_prefix_length = 12;
  // keys.accept_foreign (API.md 11.4): look up credentials not in keyward's format by SHA-256
  // from the start (it turns on by itself, on every node, once a key has been imported).
  bool accept_foreign = false;
  RouteTable routes;
  std::map<std::string, RateSpec> plans{{"default", RateSpec{150, 60}}};
  // Plans' account_rate_limit (API.md 11.2): one budget over all of an account's keys; a plan
  // absent here has none.
  std::map<std::string, RateSpec> plan_account_limits;
  // Plans' refill and low_credits_threshold (API.md 11.2); a plan absent here has neither.
  struct PlanExtras {
    std::optional<PlanRefill> refill;
    std::optional<int64_t> low_credits_threshold;
  };
  std::map<std::string, PlanExtras> plan_extras;
  int64_t default_cost = 0;
  int64_t negative_cache_seconds = 2;
  SandboxSettings sandbox;
  int64_t usage_flush_interval_ms = 500;
  DashboardSettings dashboard;
  RedisSettings redis;
  StoreSettings store;
  UsageSettings usage;
  EventSettings events;
  WebhookSettings webhooks;
  LeakSettings leaks;

  // The per-key limit of `plan`, falling back to the default plan.
  const RateSpec& PlanLimit(const std::string& plan) const {
    auto it = plans.find(plan);
    return it != plans.end() ? it->second : plans.at("default");
  }
  // The per-account limit of `plan`, or nullopt.
  std::optional<RateSpec> PlanAccountLimit(const std::string& plan) const {
    auto it = plan_account_limits.find(plan);
    if (it == plan_account_limits.end()) return std::nullopt;
    return it->second;
  }
};

}  // namespace keyward
