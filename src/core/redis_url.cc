#include "core/redis_url.h"

#include <charconv>

namespace keyward {
namespace {

Error Bad(std::string sentence) {
  return Error(ErrorCode::kInvalidRequest, std::move(sentence));
}

template <typename T>
bool ParseNumber(std::string_view s, T lo, T hi, T* out) {
  if (s.empty()) return false;
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// "host[:port]" or "[v6][:port]" into `out` (port left as given when absent).
Status ParseHostPort(std::string_view rest, RedisHostPort* out) {
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Bad("has an unclosed [ in its IPv6 address");
    host = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Bad("has text after the IPv6 address");
      port = after.substr(1);
      if (port.empty()) return Bad("has an empty port");
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return Bad("has an empty port");
  }
  if (host.empty()) return Bad("has no host");
  out->host = std::string(host);
  if (!port.empty() && !ParseNumber<uint16_t>(port, 1, 65535, &out->port)) {
    return Bad("has a port that is not 1 to 65535");
  }
  return Status::Ok();
}

}  // namespace

Result<RedisUrl> ParseRedisUrl(std::string_view text) {
  constexpr std::string_view kScheme = "redis://";
  constexpr std::string_view kTlsScheme = "rediss://";
  constexpr std::string_view kSentinelScheme = "redis+sentinel://";
  constexpr std::string_view kClusterScheme = "redis+cluster://";
  RedisUrl url;
  std::string_view rest;
  bool sentinel = false;
  bool cluster = false;
  if (text.starts_with(kScheme)) {
    rest = text.substr(kScheme.size());
  } else if (text.starts_with(kTlsScheme)) {
    rest = text.substr(kTlsScheme.size());
    url.tls = true;
  } else if (text.starts_with(kSentinelScheme)) {
    rest = text.substr(kSentinelScheme.size());
    sentinel = true;
  } else if (text.starts_with(kClusterScheme)) {
    rest = text.substr(kClusterScheme.size());
    cluster = true;
  } else {
    return Bad("must start with redis://, rediss://, redis+sentinel:// or redis+cluster://");
  }

  // Userinfo: everything before the last '@' (so that "a@b" passwords work).
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (const size_t colon = info.find(':'); colon != std::string_view::npos) {
      url.user = std::string(info.substr(0, colon));
      url.password = std::string(info.substr(colon + 1));
    } else {
      url.password = std::string(info);  // redis://secret@host: a password alone
    }
  }
  std::string_view path;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (cluster) {
    // h1:7000,h2:7001,h3:7002 and no path: a cluster has database 0 only.
    if (!path.empty()) {
      return Bad("names a database, which redis+cluster:// cannot use (a cluster has only 0)");
    }
    while (true) {
      const size_t comma = rest.find(',');
      RedisHostPort hp;
      if (Status st = ParseHostPort(rest.substr(0, comma), &hp); !st.ok()) return st.error();
      url.cluster_nodes.push_back(std::move(hp));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    return url;
  }
  if (sentinel) {
    // h1:26379,h2:26379/mymaster[/db]
    while (true) {
      const size_t comma = rest.find(',');
      RedisHostPort hp{.host = {}, .port = 26379};
      if (Status st = ParseHostPort(rest.substr(0, comma), &hp); !st.ok()) return st.error();
      url.sentinels.push_back(std::move(hp));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
    const size_t slash = path.find('/');
    url.master_name = std::string(path.substr(0, slash));
    if (url.master_name.empty()) {
      return Bad("needs the primary's name after the sentinels (redis+sentinel://h1,h2/mymaster)");
    }
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  } else {
    RedisHostPort hp;
    if (Status st = ParseHostPort(rest, &hp); !st.ok()) return st.error();
    url.host = std::move(hp.host);
    url.port = hp.port;
  }
  if (!path.empty() && !ParseNumber<int>(path, 0, 1'000'000, &url.db)) {
    return Bad("has a database number that is not a non-negative integer");
  }
  return url;
}

}  // namespace keyward
