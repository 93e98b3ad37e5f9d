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

}  // namespace

Result<RedisUrl> ParseRedisUrl(std::string_view text) {
  constexpr std::string_view kScheme = "redis://";
  if (!text.starts_with(kScheme)) return Bad("must start with redis://");
  std::string_view rest = text.substr(kScheme.size());
  RedisUrl url;

  // Userinfo: everything before the last '@' (a password may hold '@'? no: keep it simple and
  // split at the last one, so that "a@b" passwords work when the host has none).
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
  url.host = std::string(host);
  if (!port.empty() && !ParseNumber<uint16_t>(port, 1, 65535, &url.port)) {
    return Bad("has a port that is not 1 to 65535");
  }
  if (!path.empty() && !ParseNumber<int>(path, 0, 1'000'000, &url.db)) {
    return Bad("has a database number that is not a non-negative integer");
  }
  return url;
}

}  // namespace keyward
