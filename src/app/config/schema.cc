#include "app/config/schema.h"

#include <charconv>
#include <type_traits>

#include "core/key_format.h"
#include "core/redis_url.h"

namespace keyward::config {
namespace {

// The field a chain of member pointers names: Field(c, &Config::server, &ServerSettings::threads)
// is c.server.threads.
template <typename... M>
decltype(auto) Field(Config& c, M... m) {
  return (c.*....*m);
}
template <typename... M>
decltype(auto) Field(const Config& c, M... m) {
  return (c.*....*m);
}

using Check = std::string (*)(const std::string&);

// An integer in [lo, hi], stored times `unit` (hours → seconds) in the field.
template <typename... M>
KeySpec ScaledIntKey(int64_t lo, int64_t hi, int64_t unit, M... m) {
  return {Kind::kInt,
          [=](Config& c, const Value& v) -> std::string {
            const int64_t x = std::get<int64_t>(v);
            if (x < lo || x > hi) {
              return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
            }
            auto& field = Field(c, m...);
            field = static_cast<std::remove_reference_t<decltype(field)>>(x * unit);
            return "";
          },
          [=](const Config& c) { return Value(static_cast<int64_t>(Field(c, m...)) / unit); }};
}

template <typename... M>
KeySpec IntKey(int64_t lo, int64_t hi, M... m) {
  return ScaledIntKey(lo, hi, 1, m...);
}

template <typename... M>
KeySpec BoolKey(M... m) {
  return {Kind::kBool,
          [=](Config& c, const Value& v) {
            Field(c, m...) = std::get<bool>(v);
            return std::string();
          },
          [=](const Config& c) { return Value(static_cast<bool>(Field(c, m...))); }};
}

// A string, stored when `check` (if any) returns "".
template <typename... M>
KeySpec StringKey(Check check, M... m) {
  return {Kind::kString,
          [=](Config& c, const Value& v) -> std::string {
            const std::string& s = std::get<std::string>(v);
            if (check != nullptr) {
              if (std::string e = check(s); !e.empty()) return e;
            }
            Field(c, m...) = s;
            return "";
          },
          [=](const Config& c) { return Value(std::string(Field(c, m...))); }};
}

template <typename... M>
KeySpec CidrListKey(M... m) {
  return {Kind::kStringList,
          [=](Config& c, const Value& v) -> std::string {
            std::vector<Cidr> parsed;
            for (const std::string& s : std::get<std::vector<std::string>>(v)) {
              auto range = Cidr::Parse(s);
              if (!range) return "has an invalid address range: \"" + s + "\"";
              parsed.push_back(*range);
            }
            Field(c, m...) = std::move(parsed);
            return "";
          },
          [=](const Config& c) {
            std::vector<std::string> out;
            for (const Cidr& range : Field(c, m...)) out.push_back(range.text());
            return Value(std::move(out));
          }};
}

template <typename... M>
KeySpec StringListKey(M... m) {
  return {Kind::kStringList,
          [=](Config& c, const Value& v) -> std::string {
            Field(c, m...) = std::get<std::vector<std::string>>(v);
            return "";
          },
          [=](const Config& c) { return Value(Field(c, m...)); }};
}

template <typename... M>
KeySpec RateKey(M... m) {
  return {Kind::kString,
          [=](Config& c, const Value& v) {
            return ParseRate(std::get<std::string>(v), &Field(c, m...));
          },
          [=](const Config& c) { return Value(FormatRateSpec(Field(c, m...))); }};
}

std::string HostPort(const std::string& s) {
  std::string host;
  uint16_t port;
  return SplitHostPort(s, &host, &port) ? "" : "must be host:port, e.g. \"127.0.0.1:8080\"";
}

std::string OptionalHostPort(const std::string& s) {
  std::string host;
  uint16_t port;
  if (s.empty() || SplitHostPort(s, &host, &port)) return "";
  return "must be host:port, e.g. \"0.0.0.0:8443\"";
}

std::string PublicUrl(const std::string& s) {
  if (s.empty()) return "";
  const bool scheme = s.starts_with("https://") || s.starts_with("http://");
  const size_t host = s.find("://") + 3;
  const bool plain = s.find_first_of(" \t\r\n#?") == std::string::npos;
  if (scheme && host < s.size() && s[host] != '/' && plain) return "";
  return "must be an http:// or https:// URL without query or fragment, e.g. "
         "\"https://keys.example.com\"";
}

std::string StoreUrl(const std::string& s) {
  if (s.starts_with("sqlite://") || s.starts_with("postgres://") ||
      s.starts_with("postgresql://")) {
    return "";
  }
  return "must be sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB";
}

std::string TypePrefix(const std::string& s) {
  return IsValidTypePrefix(s) ? "" : "must be 1 to 16 characters of [a-z0-9]";
}

std::string SandboxKey(const std::string& s) {
  return s.size() < 8 || s.size() > 128 ? "must be 8 to 128 characters" : "";
}

std::string Upstream(const std::string& s) {
  std::string host;
  uint16_t port;
  if (s.empty() || ParseUpstreamUrl(s, &host, &port)) return "";
  return "must be http://host:port, e.g. \"http://127.0.0.1:9000\" (https is not supported)";
}

std::string RedisUrl(const std::string& s) {
  if (s.empty()) return "";
  auto url = ParseRedisUrl(s);
  return url.ok() ? ""
                  : url.error().message() +
                        " (redis://[[user]:password@]host[:port][/db], rediss://… for TLS, or "
                        "redis+sentinel://[[user]:password@]h1:26379,h2:26379/mymaster[/db], or "
                        "redis+cluster://[[user]:password@]h1:7000,h2:7001,h3:7002)";
}

std::string RedisKeyPrefix(const std::string& s) {
  if (s.size() > 64) return "must be at most 64 characters";
  for (char ch : s) {
    if (ch <= ' ' || ch > '~') return "must be printable ASCII without spaces";
  }
  // Braces would make the prefix a Redis Cluster hash tag and put every key on one slot.
  if (s.find_first_of("{}") != std::string::npos) return "must not contain { or }";
  return "";
}

std::string LogLevel(const std::string& s) {
  if (s == "debug" || s == "info" || s == "warn" || s == "error") return "";
  return "must be debug, info, warn or error";
}

// "500ms", "10s", "5m", "2h", "3d" → milliseconds; nullopt when malformed or not positive.
std::optional<int64_t> ParseDurationMs(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end == text.data() || n <= 0 || n > 1'000'000) return std::nullopt;
  const std::string_view unit(end, text.data() + text.size() - end);
  if (unit == "ms") return n;
  if (unit == "s") return n * 1000;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  if (unit == "d") return n * 86'400'000;
  return std::nullopt;
}

std::string FormatDurationMs(int64_t ms) {
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

// A duration string stored as milliseconds (`scale` 1) or seconds (`scale` 1000), in [lo_ms,
// hi_ms].
template <typename... M>
KeySpec DurationKey(int64_t lo_ms, int64_t hi_ms, int64_t scale, M... m) {
  return {Kind::kString,
          [=](Config& c, const Value& v) -> std::string {
            auto ms = ParseDurationMs(std::get<std::string>(v));
            if (!ms || *ms < lo_ms || *ms > hi_ms || *ms % scale != 0) {
              return "must be a duration like \"10s\", \"5m\", \"2h\" or \"3d\" from " +
                     FormatDurationMs(lo_ms) + " to " + FormatDurationMs(hi_ms);
            }
            Field(c, m...) = *ms / scale;
            return "";
          },
          [=](const Config& c) { return Value(FormatDurationMs(Field(c, m...) * scale)); }};
}

// webhooks.retry_schedule: "1m,5m,30m" → the delays in seconds (1 to 30 of them).
KeySpec RetryScheduleKey() {
  return {Kind::kString,
          [](Config& c, const Value& v) -> std::string {
            std::vector<int64_t> out;
            std::string_view text = std::get<std::string>(v);
            while (!text.empty()) {
              const size_t comma = text.find(',');
              std::string_view part = text.substr(0, comma);
              while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
              while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
              auto ms = ParseDurationMs(part);
              if (!ms || *ms % 1000 != 0) {
                return "must be durations in whole seconds separated by commas, e.g. "
                       "\"1m,5m,30m\"";
              }
              out.push_back(*ms / 1000);
              text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
            }
            if (out.empty() || out.size() > 30) return "must list 1 to 30 delays";
            c.service.webhooks.retry_schedule_seconds = std::move(out);
            return "";
          },
          [](const Config& c) {
            std::string out;
            for (int64_t s : c.service.webhooks.retry_schedule_seconds) {
              if (!out.empty()) out += ',';
              out += FormatDurationMs(s * 1000);
            }
            return Value(out);
          }};
}

// webhooks.secret_key: 64 hex characters (32 bytes) or "" (a key file in the data directory).
KeySpec SealKeyKey() {
  return {Kind::kString,
          [](Config& c, const Value& v) -> std::string {
            const std::string& hex = std::get<std::string>(v);
            if (hex.empty()) {
              c.service.webhooks.seal_key.clear();
              return "";
            }
            if (hex.size() != 64) return "must be 64 hexadecimal characters (32 bytes), or empty";
            std::string key(32, '\0');
            for (size_t i = 0; i < 32; ++i) {
              unsigned byte = 0;
              auto [end, ec] =
                  std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, byte, 16);
              if (ec != std::errc() || end != hex.data() + 2 * i + 2) {
                return "must be 64 hexadecimal characters (32 bytes), or empty";
              }
              key[i] = static_cast<char>(byte);
            }
            c.service.webhooks.seal_key = std::move(key);
            return "";
          },
          [](const Config& c) {
            static constexpr char kHex[] = "0123456789abcdef";
            std::string out;
            for (unsigned char b : c.service.webhooks.seal_key) {
              out += kHex[b >> 4];
              out += kHex[b & 15];
            }
            return Value(out);
          }};
}

// leaks.action = "revoke" | "notify", stored as LeakSettings::revoke.
KeySpec LeakActionKey() {
  return {Kind::kString,
          [](Config& c, const Value& v) -> std::string {
            const std::string& s = std::get<std::string>(v);
            if (s != "revoke" && s != "notify") return "must be \"revoke\" or \"notify\"";
            c.service.leaks.revoke = s == "revoke";
            return "";
          },
          [](const Config& c) {
            return Value(std::string(c.service.leaks.revoke ? "revoke" : "notify"));
          }};
}

// redis.on_unavailable = "closed" | "open", stored as RedisSettings::fail_open.
KeySpec FailOpenKey() {
  return {Kind::kString,
          [](Config& c, const Value& v) -> std::string {
            const std::string& s = std::get<std::string>(v);
            if (s != "closed" && s != "open") return "must be \"closed\" or \"open\"";
            c.service.redis.fail_open = s == "open";
            return "";
          },
          [](const Config& c) {
            return Value(std::string(c.service.redis.fail_open ? "open" : "closed"));
          }};
}

}  // namespace

const std::map<std::string, KeySpec>& Keys() {
  using C = Config;
  using Srv = ServerSettings;
  using Svc = ServiceSettings;
  using Px = ProxySettings;
  using Rd = RedisSettings;
  using Db = DashboardSettings;
  static const std::map<std::string, KeySpec> keys = {
      {"server.listen", StringKey(HostPort, &C::server, &Srv::listen)},
      {"server.threads", IntKey(0, 256, &C::server, &Srv::threads)},
      {"server.trusted_proxies", CidrListKey(&C::trusted_proxies)},
      {"server.max_header_bytes", IntKey(1024, 1 << 20, &C::server, &Srv::max_header_bytes)},
      {"server.max_body_bytes", IntKey(1024, 64 << 20, &C::server, &Srv::max_body_bytes)},
      {"server.read_timeout_seconds", IntKey(1, 3600, &C::server, &Srv::read_timeout_seconds)},
      {"server.idle_timeout_seconds", IntKey(1, 3600, &C::server, &Srv::idle_timeout_seconds)},
      {"server.max_connections", IntKey(1, 1'000'000, &C::server, &Srv::max_connections)},
      {"server.shutdown_grace_seconds", IntKey(0, 600, &C::server, &Srv::shutdown_grace_seconds)},
      {"server.listen_tls", StringKey(OptionalHostPort, &C::server, &Srv::listen_tls)},
      {"server.listen_grpc", StringKey(OptionalHostPort, &C::listen_grpc)},
      {"server.public_url", StringKey(PublicUrl, &C::public_url)},
      {"server.auth_failures_per_minute", IntKey(0, 1'000'000'000, &C::auth_failures_per_minute)},
      {"tls.cert", StringKey(nullptr, &C::server, &Srv::tls_cert_file)},
      {"tls.key", StringKey(nullptr, &C::server, &Srv::tls_key_file)},
      {"store.url", StringKey(StoreUrl, &C::store_url)},
      {"store.pool_size", IntKey(2, 100, &C::store_pool_size)},
      {"store.resync_seconds",
       IntKey(1, 3600, &C::service, &Svc::store, &StoreSettings::resync_seconds)},
      {"keys.display_prefix_length", IntKey(4, 20, &C::service, &Svc::display_prefix_length)},
      {"keys.prefix.secret",
       StringKey(TypePrefix, &C::service, &Svc::prefixes, &KeyPrefixes::secret)},
      {"keys.prefix.publishable",
       StringKey(TypePrefix, &C::service, &Svc::prefixes, &KeyPrefixes::publishable)},
      {"keys.prefix.restricted",
       StringKey(TypePrefix, &C::service, &Svc::prefixes, &KeyPrefixes::restricted)},
      {"keys.accept_foreign", BoolKey(&C::service, &Svc::accept_foreign)},
      {"verifier.allow_from", CidrListKey(&C::verifier_allow_from)},
      {"verifier.negative_cache_seconds",
       IntKey(0, 3600, &C::service, &Svc::negative_cache_seconds)},
      {"credits.default_cost", IntKey(0, 1'000'000, &C::service, &Svc::default_cost)},
      {"sandbox.enabled", BoolKey(&C::service, &Svc::sandbox, &SandboxSettings::enabled)},
      {"sandbox.key", StringKey(SandboxKey, &C::service, &Svc::sandbox, &SandboxSettings::key)},
      {"sandbox.rate_limit", RateKey(&C::service, &Svc::sandbox, &SandboxSettings::rate_limit)},
      {"proxy.upstream", StringKey(Upstream, &C::proxy, &Px::upstream)},
      {"proxy.sandbox_upstream", StringKey(Upstream, &C::proxy, &Px::sandbox_upstream)},
      {"proxy.test_upstream", StringKey(Upstream, &C::proxy, &Px::test_upstream)},
      {"proxy.timeout", IntKey(1, 3600, &C::proxy, &Px::timeout_seconds)},
      {"proxy.max_body", IntKey(0, int64_t{1} << 40, &C::proxy, &Px::max_body)},
      {"proxy.max_idle_connections", IntKey(0, 10000, &C::proxy, &Px::max_idle_per_worker)},
      {"dashboard.signup", BoolKey(&C::service, &Svc::dashboard, &Db::signup)},
      {"dashboard.session_hours",
       ScaledIntKey(1, 24 * 90, 3600, &C::service, &Svc::dashboard, &Db::session_seconds)},
      {"dashboard.signin_limit_per_account",
       RateKey(&C::service, &Svc::dashboard, &Db::signin_per_account)},
      {"dashboard.signin_limit_per_ip", RateKey(&C::service, &Svc::dashboard, &Db::signin_per_ip)},
      {"redis.url", StringKey(RedisUrl, &C::service, &Svc::redis, &Rd::url)},
      {"redis.on_unavailable", FailOpenKey()},
      {"redis.timeout_ms", IntKey(10, 10'000, &C::service, &Svc::redis, &Rd::timeout_ms)},
      {"redis.pool_size", IntKey(1, 1024, &C::service, &Svc::redis, &Rd::pool_size)},
      {"redis.resync_seconds", IntKey(1, 3600, &C::service, &Svc::redis, &Rd::resync_seconds)},
      {"redis.key_prefix", StringKey(RedisKeyPrefix, &C::service, &Svc::redis, &Rd::key_prefix)},
      {"redis.tls_ca_file", StringKey(nullptr, &C::service, &Svc::redis, &Rd::tls_ca_file)},
      {"redis.tls_cert_file", StringKey(nullptr, &C::service, &Svc::redis, &Rd::tls_cert_file)},
      {"redis.tls_key_file", StringKey(nullptr, &C::service, &Svc::redis, &Rd::tls_key_file)},
      {"redis.sentinel_password",
       StringKey(nullptr, &C::service, &Svc::redis, &Rd::sentinel_password)},
      {"events.retention_days",
       ScaledIntKey(1, 3650, 86400, &C::service, &Svc::events, &EventSettings::retention_seconds)},
      {"events.expiring_notice_days", ScaledIntKey(0, 365, 86400, &C::service, &Svc::events,
                                                   &EventSettings::expiring_notice_seconds)},
      {"events.notice_interval_seconds",
       IntKey(1, 60, &C::service, &Svc::events, &EventSettings::notice_interval_seconds)},
      {"webhooks.timeout",
       DurationKey(1000, 60'000, 1, &C::service, &Svc::webhooks, &WebhookSettings::timeout_ms)},
      {"webhooks.retry_schedule", RetryScheduleKey()},
      {"webhooks.disable_after",
       DurationKey(1000, int64_t{365} * 86'400'000, 1000, &C::service, &Svc::webhooks,
                   &WebhookSettings::disable_after_seconds)},
      {"webhooks.allow_http",
       StringListKey(&C::service, &Svc::webhooks, &WebhookSettings::allow_http)},
      {"webhooks.allow_private",
       CidrListKey(&C::service, &Svc::webhooks, &WebhookSettings::allow_private)},
      {"webhooks.allow_account_endpoints",
       BoolKey(&C::service, &Svc::webhooks, &WebhookSettings::allow_account_endpoints)},
      {"webhooks.secret_key", SealKeyKey()},
      {"webhooks.workers", IntKey(1, 64, &C::service, &Svc::webhooks, &WebhookSettings::workers)},
      {"webhooks.poll_interval_ms",
       IntKey(50, 10'000, &C::service, &Svc::webhooks, &WebhookSettings::poll_interval_ms)},
      {"leaks.action", LeakActionKey()},
      {"log.access", BoolKey(&C::server, &Srv::access_log)},
      {"log.level", StringKey(LogLevel, &C::log_level)},
      {"usage.minute_retention_hours", ScaledIntKey(1, 24 * 365, 3600, &C::service, &Svc::usage,
                                                    &UsageSettings::minute_retention_seconds)},
      {"usage.hour_retention_days", ScaledIntKey(1, 3650, 86400, &C::service, &Svc::usage,
                                                 &UsageSettings::hour_retention_seconds)},
      {"usage.day_retention_days", ScaledIntKey(1, 36500, 86400, &C::service, &Svc::usage,
                                                &UsageSettings::day_retention_seconds)},
  };
  return keys;
}

std::string KindName(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kInt:
      return "an integer";
    case Kind::kBool:
      return "a boolean";
    case Kind::kStringList:
      return "an array of strings";
  }
  return "";
}

std::string ParseRate(std::string_view text, RateSpec* out) {
  auto spec = ParseRateSpec(text);
  if (!spec.ok()) return "must be a rate like \"150/min\" (" + spec.error().message() + ")";
  *out = *spec;
  return "";
}

std::optional<Value> FromEnv(std::string_view text, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return Value(std::string(text));
    case Kind::kInt: {
      int64_t x = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
      return Value(x);
    }
    case Kind::kBool:
      if (text == "true" || text == "1") return Value(true);
      if (text == "false" || text == "0") return Value(false);
      return std::nullopt;
    case Kind::kStringList: {
      std::vector<std::string> out;
      while (!text.empty()) {
        size_t comma = text.find(',');
        std::string_view part = text.substr(0, comma);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
      }
      return Value(std::move(out));
    }
  }
  return std::nullopt;
}

}  // namespace keyward::config
