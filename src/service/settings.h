// The service layer's view of the configuration: immutable after start-up; thread-safe to read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/key_format.h"
#include "core/rate_spec.h"
#include "core/route_table.h"

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
  int pool_size = 16;       // connections per node (one per server thread is enough)
  int resync_seconds = 10;  // periodic catch-up from the store (every second while Redis is down)
  std::string key_prefix = "kw:";  // of every Redis key and the pub/sub channel

  bool enabled() const { return !url.empty(); }
};

// [store] (API.md 9), as far as the service uses it.
struct StoreSettings {
  // PostgreSQL without Redis: periodic catch-up from the store behind LISTEN/NOTIFY (every second
  // while the listener is down). With Redis, redis.resync_seconds applies instead.
  int resync_seconds = 30;
};

struct ServiceSettings {
  KeyPrefixes prefixes;
  size_t display_prefix_length = 12;
  RouteTable routes;
  std::map<std::string, RateSpec> plans{{"default", RateSpec{150, 60}}};
  // Plans' account_rate_limit (API.md 11.2): one budget over all of an account's keys; a plan
  // absent here has none.
  std::map<std::string, RateSpec> plan_account_limits;
  int64_t default_cost = 0;
  int64_t negative_cache_seconds = 2;
  SandboxSettings sandbox;
  int64_t usage_flush_interval_ms = 500;
  DashboardSettings dashboard;
  RedisSettings redis;
  StoreSettings store;

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
