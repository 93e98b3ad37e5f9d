#include "http/client_ip.h"

namespace keyward {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string ClientIp(const HttpRequest& req, std::span<const Cidr> trusted_proxies) {
  if (!AnyContains(trusted_proxies, req.peer)) return std::string(req.peer_text);
  if (auto xff = req.Header("x-forwarded-for")) {
    std::string_view list = *xff;
    // Walk from the right: the nearest hops were added by proxies we trust.
    while (!list.empty()) {
      const size_t comma = list.rfind(',');
      std::string_view hop = Trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
      auto ip = ParseIp(hop);
      if (!ip) break;  // garbage: stop believing the header
      if (!AnyContains(trusted_proxies, *ip) || list.empty()) return std::string(hop);
    }
  }
  if (auto real = req.Header("x-real-ip")) {
    std::string_view v = Trim(*real);
    if (ParseIp(v)) return std::string(v);
  }
  return std::string(req.peer_text);
}

}  // namespace keyward
