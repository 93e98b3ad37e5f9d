#include "service/webhook_target.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/target_address.h"

namespace keyward {
namespace {

Error BadUrl(std::string message) {
  return InvalidRequest(std::move(message), "url");
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

std::string IpText(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ip.is_v4) {
    inet_ntop(AF_INET, ip.bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.bytes.data(), buf, sizeof buf);
  }
  return buf;
}

Result<WebhookTarget> ParseWebhookUrl(std::string_view url, const WebhookSettings& settings) {
  if (url.empty() || url.size() > kMaxWebhookUrlLength) {
    return BadUrl("url must be an https:// URL of at most 2048 characters.");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return BadUrl("url must not contain spaces or control characters.");
    }
  }
  WebhookTarget t;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    t.https = false;
    t.port = 80;
    rest = url.substr(7);
  } else {
    return BadUrl("url must start with https://.");
  }
  if (rest.find('#') != std::string_view::npos) return BadUrl("url must not have a fragment.");
  const size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  t.target = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (t.target.front() == '?') t.target.insert(t.target.begin(), '/');
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl("url must not carry a user name or password.");
  }
  std::string_view port_text;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl("url has a malformed IPv6 host.");
    t.host = std::string(authority.substr(1, close - 1));
    if (!ParseIp(t.host) || ParseIp(t.host)->is_v4) return BadUrl("url has a malformed IPv6 host.");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadUrl("url has a malformed host.");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (t.host.empty() || !std::all_of(t.host.begin(), t.host.end(), IsHostChar)) {
      return BadUrl("url must name a host.");
    }
    std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                   [](char c) { return static_cast<char>(std::tolower(c)); });
  }
  if (!port_text.empty() || authority.ends_with(":")) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return BadUrl("url has an invalid port.");
    }
    t.port = static_cast<uint16_t>(port);
  }
  if (!t.https && std::find(settings.allow_http.begin(), settings.allow_http.end(), t.host) ==
                      settings.allow_http.end()) {
    return BadUrl("url must use https:// (plain http only for hosts in webhooks.allow_http).");
  }
  return t;
}

Result<std::vector<IpAddress>> ResolveWebhookTarget(const WebhookTarget& target,
                                                    const WebhookSettings& settings) {
  std::vector<IpAddress> out;
  if (auto literal = ParseIp(target.host)) {
    out.push_back(*literal);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(target.host.c_str(), nullptr, &hints, &res) != 0 || !res) {
      return BadUrl("url's host does not resolve.");
    }
    for (addrinfo* a = res; a; a = a->ai_next) {
      IpAddress ip;
      if (a->ai_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ai_addr);
        ip.is_v4 = true;
        ip.bytes[10] = ip.bytes[11] = 0xff;
        std::memcpy(ip.bytes.data() + 12, &sin->sin_addr, 4);
      } else if (a->ai_family == AF_INET6) {
        const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
        std::memcpy(ip.bytes.data(), &sin6->sin6_addr, 16);
      } else {
        continue;
      }
      out.push_back(ip);
    }
    freeaddrinfo(res);
    if (out.empty()) return BadUrl("url's host does not resolve.");
  }
  for (const IpAddress& ip : out) {
    if (!IsAllowedTarget(ip, settings.allow_private)) {
      return BadUrl(
          "url resolves to a private, loopback or link-local address (see "
          "webhooks.allow_private).");
    }
  }
  return out;
}

}  // namespace keyward
