// LoadConfig (app/config.h): the TOML file, then KEYWARD_* environment overrides, then the checks
// that span several keys. The keys themselves are in app/config/schema.cc.
#include <toml++/toml.h>

#include <cctype>
#include <cstring>
#include <map>

#include "app/config.h"
#include "app/config/schema.h"
#include "core/https_policy.h"  // IsLoopback
#include "core/permissions.h"
#include "core/route_table.h"
#include "service/plan_service.h"  // IsValidPlanName, CheckRefill

namespace keyward {
namespace {

using config::Kind;
using config::KindName;
using config::Value;

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

// Reads one parsed TOML file into a Config; every error is "file:line: message".
class Loader {
 public:
  Loader(Config& config, std::string file) : c_(config), file_(std::move(file)) {}

  // Walks a table, applying every leaf; returns "" or "file:line: message".
  std::string Table(const toml::table& table, const std::string& prefix) {
    for (const auto& [k, node] : table) {
      const std::string path =
          prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
      std::string err;
      if (prefix.empty() && k.str() == "route") {
        err = Routes(node);
      } else if (prefix.empty() && k.str() == "plans") {
        err = Plans(node);
      } else if (path == "leaks.github_public_keys") {
        err = GithubKeys(node);
      } else if (node.is_table() && !config::Keys().contains(path)) {
        err = Table(*node.as_table(), path);
      } else {
        err = Leaf(path, node);
      }
      if (!err.empty()) return err;
    }
    return "";
  }

 private:
  // leaks.github_public_keys = [{ id = "…", pem = "-----BEGIN PUBLIC KEY-----…" }, …]
  std::string GithubKeys(const toml::node& node) {
    const toml::array* keys = node.as_array();
    if (!keys) return Where(node) + ": leaks.github_public_keys must be an array of {id, pem}";
    std::vector<LeakSettings::PublicKey> out;
    for (const toml::node& entry : *keys) {
      const toml::table* t = entry.as_table();
      auto id = t ? (*t)["id"].value<std::string>() : std::nullopt;
      auto pem = t ? (*t)["pem"].value<std::string>() : std::nullopt;
      if (!id || !pem || id->empty() || pem->find("BEGIN PUBLIC KEY") == std::string::npos) {
        return Where(entry) +
               ": each of leaks.github_public_keys needs an id and a pem (a PEM public key)";
      }
      out.push_back({*id, *pem});
    }
    c_.service.leaks.github_public_keys = std::move(out);
    return "";
  }

  std::string Where(const toml::node& node) const {
    return file_ + ":" + std::to_string(node.source().begin.line);
  }

  std::string Leaf(const std::string& path, const toml::node& node) {
    auto it = config::Keys().find(path);
    if (it == config::Keys().end()) {
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
      if (!IsValidPlanName(name.str())) {
        return Where(plan) + ": " + p + ": a plan name is 1 to 40 characters of a-z, 0-9, _ and -";
      }
      for (const auto& [k, v] : *plan.as_table()) {
        // rate_limit: per key; account_rate_limit: one budget over all of an account's keys;
        // refill and low_credits_threshold (API.md 11.2).
        const std::string key(k.str());
        if (key == "refill" || key == "low_credits_threshold") {
          std::string e = PlanExtra(p, std::string(name.str()), key, v);
          if (!e.empty()) return e;
          continue;
        }
        if (key != "rate_limit" && key != "account_rate_limit") {
          return Where(v) + ": unknown key " + p + "." + key;
        }
        if (!v.is_string()) return Where(v) + ": " + p + "." + key + " must be a string";
        RateSpec spec;
        std::string e = config::ParseRate(*v.value<std::string>(), &spec);
        if (!e.empty()) return Where(v) + ": " + p + "." + key + " " + e;
        if (key == "rate_limit") {
          c_.service.plans[std::string(name.str())] = spec;
        } else {
          c_.service.plan_account_limits[std::string(name.str())] = spec;
        }
      }
      if (!c_.service.plans.contains(std::string(name.str()))) {
        return Where(plan) + ": " + p + ".rate_limit is required";
      }
    }
    return "";
  }

  // plans.NAME.refill = { amount = N, interval = "month", mode = "set" } and
  // plans.NAME.low_credits_threshold = N.
  std::string PlanExtra(const std::string& p, const std::string& name, const std::string& key,
                        const toml::node& v) {
    ServiceSettings::PlanExtras& extras = c_.service.plan_extras[name];
    if (key == "low_credits_threshold") {
      auto n = v.value<int64_t>();
      if (!v.is_integer() || !n || *n < 0) {
        return Where(v) + ": " + p + ".low_credits_threshold must be a non-negative integer";
      }
      extras.low_credits_threshold = *n;
      return "";
    }
    if (!v.is_table()) {
      return Where(v) + ": " + p + ".refill must be a table { amount, interval, mode }";
    }
    PlanRefill refill;
    refill.mode = "set";
    for (const auto& [rk, rv] : *v.as_table()) {
      const std::string field(rk.str());
      if (field == "amount" && rv.is_integer()) {
        refill.amount = *rv.value<int64_t>();
      } else if ((field == "interval" || field == "mode") && rv.is_string()) {
        (field == "interval" ? refill.interval : refill.mode) = *rv.value<std::string>();
      } else {
        return Where(rv) + ": " + p + ".refill." + field +
               (field == "amount" || field == "interval" || field == "mode" ? " has the wrong type"
                                                                            : ": unknown key");
      }
    }
    if (Status st = CheckRefill(refill, p + ".refill"); !st.ok()) {
      return Where(v) + ": " + st.error().message();
    }
    extras.refill = std::move(refill);
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
            std::string e = config::ParseRate(s, &spec);
            if (!e.empty()) return bad(e);
            r.rate_limit = spec;
          }
        } else if (key == "cost") {
          if (!v.is_integer() || *v.value<int64_t>() < 0) {
            return bad("must be a non-negative integer");
          }
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
    if (eq && std::strncmp(*e, "KEYWARD_", 8) == 0) {
      env[std::string(*e, static_cast<size_t>(eq - *e))] = eq + 1;
    }
  }
  for (const auto& [path, spec] : config::Keys()) {
    auto it = env.find(EnvName(path));
    if (it == env.end()) continue;
    auto value = config::FromEnv(it->second, spec.kind);
    if (!value) return it->first + ": must be " + KindName(spec.kind);
    std::string e = spec.set(c, *value);
    if (!e.empty()) return it->first + ": " + path + " " + e;
  }
  // KEYWARD_PLANS_<NAME>_RATE_LIMIT
  for (const auto& [name, value] : env) {
    constexpr std::string_view kPre = "KEYWARD_PLANS_", kSuf = "_RATE_LIMIT";
    if (!name.starts_with(kPre) || !name.ends_with(kSuf) ||
        name.size() <= kPre.size() + kSuf.size()) {
      continue;
    }
    std::string plan = name.substr(kPre.size(), name.size() - kPre.size() - kSuf.size());
    for (char& ch : plan) ch = static_cast<char>(std::tolower(ch));
    RateSpec spec;
    std::string e = config::ParseRate(value, &spec);
    if (!e.empty()) return name + ": " + e;
    c.service.plans[plan] = spec;
  }
  return "";
}

// Is `listen` (host:port) on a loopback address ("127.0.0.1", "[::1]", "localhost")?
bool IsLoopbackListen(const std::string& listen) {
  std::string host;
  uint16_t port = 0;
  if (!SplitHostPort(listen, &host, &port)) return false;
  if (host == "localhost") return true;
  auto ip = ParseIp(host);
  return ip && IsLoopback(*ip);
}

// The checks that span several keys, and the settings derived from others; returns "" or the
// error message.
std::string Finish(Config& c) {
  if (!c.server.listen_tls.empty() &&
      (c.server.tls_cert_file.empty() || c.server.tls_key_file.empty())) {
    return c.source + ": server.listen_tls needs tls.cert and tls.key";
  }
  if (c.service.redis.tls_cert_file.empty() != c.service.redis.tls_key_file.empty()) {
    return c.source + ": redis.tls_cert_file and redis.tls_key_file must be set together";
  }
  c.listen_grpc_tls = !c.listen_grpc.empty() && !IsLoopbackListen(c.listen_grpc);
  if (c.listen_grpc_tls && (c.server.tls_cert_file.empty() || c.server.tls_key_file.empty())) {
    return c.source +
           ": server.listen_grpc off loopback serves TLS only: it needs tls.cert and tls.key";
  }
  c.server.plain_http_allowed = c.trusted_proxies;
  const KeyPrefixes& p = c.service.prefixes;
  if (p.secret == p.publishable || p.secret == p.restricted || p.publishable == p.restricted) {
    return c.source + ": keys.prefix: the three type prefixes must differ";
  }
  for (const std::string* s : {&p.secret, &p.publishable, &p.restricted}) {
    if (*s == "at" || *s == "ak") {
      return c.source + ": keys.prefix: \"at\" and \"ak\" are reserved";
    }
  }
  return "";
}

}  // namespace

Result<Config> LoadConfig(const std::string& path, char** envp) {
  Config c;
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
  if (std::string err = Finish(c); !err.empty()) return InvalidRequest(err);
  return c;
}

}  // namespace keyward
