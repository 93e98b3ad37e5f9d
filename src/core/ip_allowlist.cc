#include "core/ip_allowlist.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace keyward {

Result<std::string> NormalizeCidr(std::string_view text, std::string_view param) {
  auto bad = [&](std::string why) { return InvalidRequest(std::move(why), std::string(param)); };
  const size_t slash = text.find('/');
  const std::string_view addr = text.substr(0, slash);
  const bool v4 = addr.find(':') == std::string_view::npos;
  std::optional<IpAddress> ip = ParseIp(addr);
  if (!ip) return bad("ip_allowlist entries must be IPv4 or IPv6 addresses or CIDRs.");
  const int max_len = v4 ? 32 : 128;
  int len = max_len;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) {
      return bad("ip_allowlist entries must be IPv4 or IPv6 addresses or CIDRs.");
    }
    len = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') {
        return bad("ip_allowlist entries must be IPv4 or IPv6 addresses or CIDRs.");
      }
      len = len * 10 + (c - '0');
    }
    if (len > max_len) return bad("An ip_allowlist prefix length is out of range.");
  }
  const int bits = v4 ? 96 + len : len;
  for (int i = 0; i < 16; ++i) {
    const int keep = bits - 8 * i;
    uint8_t mask = 0xFF;
    if (keep <= 0) {
      mask = 0;
    } else if (keep < 8) {
      mask = static_cast<uint8_t>(0xFF00u >> keep);
    }
    if ((ip->bytes[i] & static_cast<uint8_t>(~mask)) != 0) {
      return bad("The ip_allowlist entry " + std::string(text) +
                 " has host bits set; give the network address.");
    }
  }
  char buf[INET6_ADDRSTRLEN];
  const char* ok = v4 ? inet_ntop(AF_INET, ip->bytes.data() + 12, buf, sizeof(buf))
                      : inet_ntop(AF_INET6, ip->bytes.data(), buf, sizeof(buf));
  if (ok == nullptr) return bad("ip_allowlist entries must be IPv4 or IPv6 addresses or CIDRs.");
  return std::string(buf) + "/" + std::to_string(len);
}

Result<std::vector<std::string>> NormalizeAllowlist(const std::vector<std::string>& entries,
                                                    std::string_view param) {
  if (entries.size() > kMaxAllowlistEntries) {
    return InvalidRequest("ip_allowlist may hold at most 100 entries.", std::string(param));
  }
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const std::string& e : entries) {
    Result<std::string> n = NormalizeCidr(e, param);
    if (!n.ok()) return n.error();
    if (std::find(out.begin(), out.end(), *n) == out.end()) out.push_back(std::move(*n));
  }
  return out;
}

std::vector<Cidr> ParseAllowlist(const std::vector<std::string>& entries) {
  std::vector<Cidr> out;
  out.reserve(entries.size());
  for (const std::string& e : entries) {
    if (auto c = Cidr::Parse(e)) out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace keyward
