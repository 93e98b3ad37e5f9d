#include "app/config.h"

#include <charconv>
#include <cstring>
#include <functional>
#include <map>
#include <variant>

#include <toml++/toml.h>

#include "core/permissions.h"
#include "core/redis_url.h"
#include "core/route_table.h"

namespace keyward {
namespace {

using Value = std::variant<std::string, int64_t, bool, std::vector<std::string>>;
enum class Kind { kString, kInt, kBool, kStringList };
// Applies a value; returns an error sentence (without location) or "".
using Setter = std::function<std::string(Config&, const Value&)>;

struct KeySpec {
  Kind kind;
  Setter set;
};

std::string IntRange(const Value& v, int64_t lo, int64_t hi, int64_t* out) {
  int64_t x = std::get<int64_t>(v);
  if (x < lo || x > hi) {
    return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
  }
  *out = x;
  return "";
}

std::string CidrList(const Value& v, std::vector<Cidr>* out) {
  std::vector<Cidr> parsed;
  for (const std::string& s : std::get<std::vector<std::string>>(v)) {
    auto c = Cidr::Parse(s);
    if (!c) return "has an invalid address range: \"" + s + "\"";
    parsed.push_back(*c);
  }
  *out = std::move(parsed);
  return "";
}

std::string Rate(const Value& v, RateSpec* out) {
  auto spec = ParseRateSpec(std::get<std::string>(v));
  if (!spec.ok()) return "must be a rate like \"150/min\" (" + spec.error().message() + ")";
  *out = *spec;
  return "";
}

std::string TypePrefix(const Value& v, std::string* out) {
  const std::string& s = std::get<std::string>(v);
  if (!IsValidTypePrefix(s)) return "must be 1 to 16 characters of [a-z0-9]";
  *out = s;
  return "";
}

std::string Upstream(const Value& v, std::string* out) {
  const std::string& s = std::get<std::string>(v);
  std::string host;
  uint16_t port;
  if (!s.empty() && !ParseUpstreamUrl(s, &host, &port)) {
    return "must be http://host:port, e.g. \"http://127.0.0.1:9000\" (https is not supported)";
  }
  *out = s;
  return "";
}

const std::map<std::string, KeySpec>& Keys() {
  static const std::map<std::string, KeySpec> keys = {
      {"server.listen", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         std::string host;
         uint16_t port;
         if (!SplitHostPort(std::get<std::string>(v), &host, &port)) {
           return "must be host:port, e.g. \"127.0.0.1:8080\"";
         }
         c.server.listen = std::get<std::string>(v);
         return "";
       }}},
      {"server.threads", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 0, 256, &x);
         if (e.empty()) c.server.threads = static_cast<int>(x);
         return e;
       }}},
      {"server.trusted_proxies", {Kind::kStringList, [](Config& c, const Value& v) {
         return CidrList(v, &c.trusted_proxies);
       }}},
      {"server.max_header_bytes", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1024, 1 << 20, &x);
         if (e.empty()) c.server.max_header_bytes = static_cast<size_t>(x);
         return e;
       }}},
      {"server.max_body_bytes", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1024, 64 << 20, &x);
         if (e.empty()) c.server.max_body_bytes = static_cast<size_t>(x);
         return e;
       }}},
      {"server.read_timeout_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 3600, &x);
         if (e.empty()) c.server.read_timeout_seconds = static_cast<int>(x);
         return e;
       }}},
      {"server.idle_timeout_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 3600, &x);
         if (e.empty()) c.server.idle_timeout_seconds = static_cast<int>(x);
         return e;
       }}},
      {"server.max_connections", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 1'000'000, &x);
         if (e.empty()) c.server.max_connections = static_cast<size_t>(x);
         return e;
       }}},
      {"server.shutdown_grace_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 0, 600, &x);
         if (e.empty()) c.server.shutdown_grace_seconds = static_cast<int>(x);
         return e;
       }}},
      {"server.listen_tls", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         std::string host;
         uint16_t port;
         const std::string& s = std::get<std::string>(v);
         if (!s.empty() && !SplitHostPort(s, &host, &port)) {
           return "must be host:port, e.g. \"0.0.0.0:8443\"";
         }
         c.server.listen_tls = s;
         return "";
       }}},
      {"tls.cert", {Kind::kString, [](Config& c, const Value& v) {
         c.server.tls_cert_file = std::get<std::string>(v);
         return std::string();
       }}},
      {"tls.key", {Kind::kString, [](Config& c, const Value& v) {
         c.server.tls_key_file = std::get<std::string>(v);
         return std::string();
       }}},
      {"server.auth_failures_per_minute", {Kind::kInt, [](Config& c, const Value& v) {
         return IntRange(v, 0, 1'000'000'000, &c.auth_failures_per_minute);
       }}},
      {"store.url", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (!s.starts_with("sqlite://") && !s.starts_with("memory://") &&
             !s.starts_with("postgres://") && !s.starts_with("postgresql://")) {
           return "must be sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB";
         }
         c.store_url = s;
         return "";
       }}},
      {"store.pool_size", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 2, 100, &x);
         if (e.empty()) c.store_pool_size = static_cast<int>(x);
         return e;
       }}},
      {"store.resync_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 3600, &x);
         if (e.empty()) c.service.store.resync_seconds = static_cast<int>(x);
         return e;
       }}},
      {"keys.display_prefix_length", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 4, 20, &x);
         if (e.empty()) c.service.display_prefix_length = static_cast<size_t>(x);
         return e;
       }}},
      {"keys.prefix.secret", {Kind::kString, [](Config& c, const Value& v) {
         return TypePrefix(v, &c.service.prefixes.secret);
       }}},
      {"keys.prefix.publishable", {Kind::kString, [](Config& c, const Value& v) {
         return TypePrefix(v, &c.service.prefixes.publishable);
       }}},
      {"keys.prefix.restricted", {Kind::kString, [](Config& c, const Value& v) {
         return TypePrefix(v, &c.service.prefixes.restricted);
       }}},
      {"verifier.allow_from", {Kind::kStringList, [](Config& c, const Value& v) {
         return CidrList(v, &c.verifier_allow_from);
       }}},
      {"verifier.negative_cache_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         return IntRange(v, 0, 3600, &c.service.negative_cache_seconds);
       }}},
      {"credits.default_cost", {Kind::kInt, [](Config& c, const Value& v) {
         return IntRange(v, 0, 1'000'000, &c.service.default_cost);
       }}},
      {"sandbox.enabled", {Kind::kBool, [](Config& c, const Value& v) {
         c.service.sandbox.enabled = std::get<bool>(v);
         return std::string();
       }}},
      {"sandbox.key", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (s.size() < 8 || s.size() > 128) return "must be 8 to 128 characters";
         c.service.sandbox.key = s;
         return "";
       }}},
      {"sandbox.rate_limit", {Kind::kString, [](Config& c, const Value& v) {
         return Rate(v, &c.service.sandbox.rate_limit);
       }}},
      {"proxy.upstream", {Kind::kString, [](Config& c, const Value& v) {
         return Upstream(v, &c.proxy.upstream);
       }}},
      {"proxy.sandbox_upstream", {Kind::kString, [](Config& c, const Value& v) {
         return Upstream(v, &c.proxy.sandbox_upstream);
       }}},
      {"proxy.test_upstream", {Kind::kString, [](Config& c, const Value& v) {
         return Upstream(v, &c.proxy.test_upstream);
       }}},
      {"proxy.timeout", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 3600, &x);
         if (e.empty()) c.proxy.timeout_seconds = static_cast<int>(x);
         return e;
       }}},
      {"proxy.max_body", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 0, int64_t{1} << 40, &x);
         if (e.empty()) c.proxy.max_body = static_cast<uint64_t>(x);
         return e;
       }}},
      {"proxy.max_idle_connections", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 0, 10000, &x);
         if (e.empty()) c.proxy.max_idle_per_worker = static_cast<size_t>(x);
         return e;
       }}},
      {"dashboard.signup", {Kind::kBool, [](Config& c, const Value& v) {
         c.service.dashboard.signup = std::get<bool>(v);
         return std::string();
       }}},
      {"dashboard.session_hours", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 24 * 90, &x);
         if (e.empty()) c.service.dashboard.session_seconds = x * 3600;
         return e;
       }}},
      {"dashboard.signin_limit_per_account", {Kind::kString, [](Config& c, const Value& v) {
         return Rate(v, &c.service.dashboard.signin_per_account);
       }}},
      {"dashboard.signin_limit_per_ip", {Kind::kString, [](Config& c, const Value& v) {
         return Rate(v, &c.service.dashboard.signin_per_ip);
       }}},
      {"redis.url", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (!s.empty()) {
           auto url = ParseRedisUrl(s);
           if (!url.ok()) return url.error().message() + " (redis://[:password@]host[:port][/db])";
         }
         c.service.redis.url = s;
         return "";
       }}},
      {"redis.on_unavailable", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (s != "closed" && s != "open") return "must be \"closed\" or \"open\"";
         c.service.redis.fail_open = s == "open";
         return "";
       }}},
      {"redis.timeout_ms", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 10, 10'000, &x);
         if (e.empty()) c.service.redis.timeout_ms = static_cast<int>(x);
         return e;
       }}},
      {"redis.pool_size", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 1024, &x);
         if (e.empty()) c.service.redis.pool_size = static_cast<int>(x);
         return e;
       }}},
      {"redis.resync_seconds", {Kind::kInt, [](Config& c, const Value& v) {
         int64_t x;
         auto e = IntRange(v, 1, 3600, &x);
         if (e.empty()) c.service.redis.resync_seconds = static_cast<int>(x);
         return e;
       }}},
      {"redis.key_prefix", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (s.size() > 64) return "must be at most 64 characters";
         for (char ch : s) {
           if (ch <= ' ' || ch > '~') return "must be printable ASCII without spaces";
         }
         c.service.redis.key_prefix = s;
         return "";
       }}},
      {"log.access", {Kind::kBool, [](Config& c, const Value& v) {
         c.server.access_log = std::get<bool>(v);
         return std::string();
       }}},
      {"log.level", {Kind::kString, [](Config& c, const Value& v) -> std::string {
         const std::string& s = std::get<std::string>(v);
         if (s != "debug" && s != "info" && s != "warn" && s != "error") {
           return "must be debug, info, warn or error";
         }
         c.log_level = s;
         return "";
       }}},
  };
  return keys;
}

std::string KindName(Kind k) {
  switch (k) {
    case Kind::kString: return "a string";
    case Kind::kInt: return "an integer";
    case Kind::kBool: return "a boolean";
    case Kind::kStringList: return "an array of strings";
  }
  return "";
}

std::optional<Value> FromToml(const toml::node& node, Kind kind) {
  switch (kind) {
    case Kind::kString:
      if (auto s = node.value<std::string>(); s && node.is_string()) return Value(*s);
      return std::nullopt;
    case Kind::kInt:
      if (node.is_integer()) return Value(*node.value<int64_t>());
      return std::nullopt;
    case Kind::kBool:
      if (node.is_boolean()) return Value(*node.value<bool>());
      return std::nullopt;
    case Kind::kStringList: {
      if (!node.is_array()) return std::nullopt;
      std::vector<std::string> out;
      for (const auto& e : *node.as_array()) {
        if (!e.is_string()) return std::nullopt;
        out.push_back(*e.value<std::string>());
      }
      return Value(std::move(out));
    }
  }
  return std::nullopt;
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

class Loader {
 public:
  Loader(Config& config, std::string file) : c_(config), file_(std::move(file)) {}

  std::string Where(const toml::node& node) const {
    return file_ + ":" + std::to_string(node.source().begin.line);
  }

  // Walks a table, applying every leaf; returns "" or "file:line: message".
  std::string Table(const toml::table& table, const std::string& prefix) {
    for (const auto& [k, node] : table) {
      const std::string path = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      std::string err;
      if (prefix.empty() && k.str() == "route") {
        err = Routes(node);
      } else if (prefix.empty() && k.str() == "plans") {
        err = Plans(node);
      } else if (node.is_table() && !Keys().contains(path)) {
        err = Table(*node.as_table(), path);
      } else {
        err = Leaf(path, node);
      }
      if (!err.empty()) return err;
    }
    return "";
  }

 private:
  std::string Leaf(const std::string& path, const toml::node& node) {
    auto it = Keys().find(path);
    if (it == Keys().end()) {
      return Where(node) + ": unknown key " + path;
    }
    auto value = FromToml(node, it->second.kind);
    if (!value) return Where(node) + ": " + path + " must be " + KindName(it->second.kind);
    std::string e = it->second.set(c_, *value);
    if (!e.empty()) return Where(node) + ": " + path + " " + e;
    return "";
  }

  std::string Plans(const toml::node& node) {
    if (!node.is_table()) return Where(node) + ": plans must be a table of [plans.NAME]";
    for (const auto& [name, plan] : *node.as_table()) {
      const std::string p = "plans." + std::string(name.str());
      if (!plan.is_table()) return Where(plan) + ": " + p + " must be a table";
      for (const auto& [k, v] : *plan.as_table()) {
        if (k.str() != "rate_limit") return Where(v) + ": unknown key " + p + "." + std::string(k.str());
        if (!v.is_string()) return Where(v) + ": " + p + ".rate_limit must be a string";
        RateSpec spec;
        std::string e = Rate(Value(*v.value<std::string>()), &spec);
        if (!e.empty()) return Where(v) + ": " + p + ".rate_limit " + e;
        c_.service.plans[std::string(name.str())] = spec;
      }
    }
    return "";
  }

  std::string Routes(const toml::node& node) {
    if (!node.is_array_of_tables()) return Where(node) + ": route must be written [[route]]";
    std::vector<RouteRule> rules;
    for (const auto& entry : *node.as_array()) {
      const toml::table& t = *entry.as_table();
      RouteRule r;
      bool has_path = false;
      for (const auto& [k, v] : t) {
        const std::string key(k.str());
        auto bad = [&, &v = v](const std::string& what) {  // (clang 14: no binding captures)
          return Where(v) + ": route." + key + " " + what;
        };
        if (key == "method" || key == "path" || key == "permission" || key == "rate_limit" ||
            key == "sandbox_response") {
          if (!v.is_string()) return bad("must be a string");
          std::string s = *v.value<std::string>();
          if (key == "method") r.method = s;
          if (key == "path") r.path = s, has_path = true;
          if (key == "permission") r.permission = s;
          if (key == "sandbox_response") r.sandbox_response = s;
          if (key == "rate_limit") {
            RateSpec spec;
            std::string e = Rate(Value(s), &spec);
            if (!e.empty()) return bad(e);
            r.rate_limit = spec;
          }
        } else if (key == "cost") {
          if (!v.is_integer() || *v.value<int64_t>() < 0) return bad("must be a non-negative integer");
          r.cost = *v.value<int64_t>();
        } else if (key == "publishable") {
          if (!v.is_boolean()) return bad("must be a boolean");
          r.publishable = *v.value<bool>();
        } else {
          return Where(v) + ": unknown key route." + key;
        }
      }
      if (!has_path) return Where(entry) + ": route needs a path";
      if (Status st = ValidateRouteRule(r); !st.ok()) {
        return Where(entry) + ": route " + r.path + ": " + st.error().message();
      }
      rules.push_back(std::move(r));
    }
    c_.service.routes = RouteTable(std::move(rules));
    return "";
  }

  Config& c_;
  std::string file_;
};

std::string EnvName(const std::string& path) {
  std::string out = "KEYWARD_";
  for (char ch : path) out += ch == '.' ? '_' : static_cast<char>(std::toupper(ch));
  return out;
}

std::string ApplyEnv(Config& c, char** envp) {
  if (envp == nullptr) return "";
  std::map<std::string, std::string> env;
  for (char** e = envp; *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq && std::strncmp(*e, "KEYWARD_", 8) == 0) env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
  }
  for (const auto& [path, spec] : Keys()) {
    auto it = env.find(EnvName(path));
    if (it == env.end()) continue;
    auto value = FromEnv(it->second, spec.kind);
    if (!value) return it->first + ": must be " + KindName(spec.kind);
    std::string e = spec.set(c, *value);
    if (!e.empty()) return it->first + ": " + path + " " + e;
  }
  // KEYWARD_PLANS_<NAME>_RATE_LIMIT
  for (const auto& [name, value] : env) {
    constexpr std::string_view kPre = "KEYWARD_PLANS_", kSuf = "_RATE_LIMIT";
    if (!name.starts_with(kPre) || !name.ends_with(kSuf) || name.size() <= kPre.size() + kSuf.size()) {
      continue;
    }
    std::string plan = name.substr(kPre.size(), name.size() - kPre.size() - kSuf.size());
    for (char& ch : plan) ch = static_cast<char>(std::tolower(ch));
    RateSpec spec;
    std::string e = Rate(Value(value), &spec);
    if (!e.empty()) return name + ": " + e;
    c.service.plans[plan] = spec;
  }
  return "";
}

}  // namespace

Result<Config> LoadConfig(const std::string& path, char** envp) {
  Config c;
  c.trusted_proxies = {*Cidr::Parse("127.0.0.1/32"), *Cidr::Parse("::1/128")};
  c.verifier_allow_from = c.trusted_proxies;
  if (!path.empty()) {
    c.source = path;
    if (const size_t slash = path.rfind('/'); slash != std::string::npos) {
      c.proxy.base_dir = path.substr(0, slash == 0 ? 1 : slash);
    }
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      return InvalidRequest(path + ":" + std::to_string(e.source().begin.line) + ": " +
                            std::string(e.description()));
    }
    Loader loader(c, path);
    if (std::string err = loader.Table(table, ""); !err.empty()) return InvalidRequest(err);
  }
  if (std::string err = ApplyEnv(c, envp); !err.empty()) return InvalidRequest(err);
  if (!c.server.listen_tls.empty() &&
      (c.server.tls_cert_file.empty() || c.server.tls_key_file.empty())) {
    return InvalidRequest(c.source + ": server.listen_tls needs tls.cert and tls.key");
  }
  c.server.plain_http_allowed = c.trusted_proxies;
  if (!c.service.plans.contains("default")) c.service.plans["default"] = RateSpec{150, 60};
  const KeyPrefixes& p = c.service.prefixes;
  if (p.secret == p.publishable || p.secret == p.restricted || p.publishable == p.restricted) {
    return InvalidRequest(c.source + ": keys.prefix: the three type prefixes must differ");
  }
  for (const std::string* s : {&p.secret, &p.publishable, &p.restricted}) {
    if (*s == "at" || *s == "ak") {
      return InvalidRequest(c.source + ": keys.prefix: \"at\" and \"ak\" are reserved");
    }
  }
  return c;
}

}  // namespace keyward
