// IP parsing with inet_pton; every address lives in the 128-bit IPv6 space, IPv4 as ::ffff:a.b.c.d.
#include "core/cidr.h"

#include <arpa/inet.h>

#include <cstring>

namespace keyward {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Parses an address; `*v4_syntax` tells whether it was written as dotted IPv4.
std::optional<IpAddress> ParseAddress(std::string_view text, bool* v4_syntax) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buf)) return std::nullopt;
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  in_addr v4;
  if (inet_pton(AF_INET, buf, &v4) == 1) {
    std::memcpy(ip.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
    std::memcpy(ip.bytes.data() + 12, &v4, 4);
    ip.is_v4 = true;
    *v4_syntax = true;
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buf, &v6) == 1) {
    std::memcpy(ip.bytes.data(), &v6, 16);
    ip.is_v4 = std::memcmp(ip.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
    *v4_syntax = false;
    return ip;
  }
  return std::nullopt;
}

}  // namespace

// An IPv4-mapped IPv6 address (as a dual-stack socket reports IPv4 peers) counts as IPv4.
std::optional<IpAddress> ParseIp(std::string_view text) {
  bool v4_syntax = false;
  return ParseAddress(text, &v4_syntax);
}

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  bool v4_syntax = false;
  std::optional<IpAddress> ip = ParseAddress(text.substr(0, slash), &v4_syntax);
  if (!ip) return std::nullopt;
  const int max_len = v4_syntax ? 32 : 128;
  int len = max_len;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    len = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      len = len * 10 + (c - '0');
    }
    if (len > max_len) return std::nullopt;
  }
  Cidr cidr;
  cidr.bits_ = v4_syntax ? 96 + len : len;
  // Clear host bits so that "10.1.2.3/8" is the range 10.0.0.0/8.
  for (int i = 0; i < 16; ++i) {
    const int keep = cidr.bits_ - 8 * i;
    if (keep <= 0) {
      ip->bytes[i] = 0;
    } else if (keep < 8) {
      ip->bytes[i] &= static_cast<uint8_t>(0xFF00u >> keep);
    }
  }
  cidr.base_ = *ip;
  cidr.text_ = std::string(text);
  return cidr;
}

bool Cidr::Contains(const IpAddress& ip) const {
  const int full = bits_ / 8;
  if (std::memcmp(ip.bytes.data(), base_.bytes.data(), full) != 0) return false;
  const int rest = bits_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xFF00u >> rest);
  return (ip.bytes[full] & mask) == base_.bytes[full];
}

bool AnyContains(std::span<const Cidr> ranges, const IpAddress& ip) {
  for (const Cidr& r : ranges) {
    if (r.Contains(ip)) return true;
  }
  return false;
}

std::vector<Cidr> LoopbackRanges() {
  return {*Cidr::Parse("127.0.0.1/32"), *Cidr::Parse("::1/128")};
}

}  // namespace keyward
