// IP address ranges for allow-lists (verifier.allow_from, server.trusted_proxies): "10.0.0.0/8",
// "::1/128", or a bare address (a /32 or /128). IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) match
// IPv4 ranges. Pure; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace keyward {

struct IpAddress {
  std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
  bool is_v4 = false;
};

std::optional<IpAddress> ParseIp(std::string_view text);

class Cidr {
 public:
  static std::optional<Cidr> Parse(std::string_view text);
  bool Contains(const IpAddress& ip) const;
  const std::string& text() const { return text_; }

 private:
  IpAddress base_;
  int bits_ = 0;  // in the 128-bit space
  std::string text_;
};

// True when any range contains `ip`.
bool AnyContains(std::span<const Cidr> ranges, const IpAddress& ip);

// 127.0.0.1/32 and ::1/128: the default of server.trusted_proxies and verifier.allow_from.
std::vector<Cidr> LoopbackRanges();

}  // namespace keyward
