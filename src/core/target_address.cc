#include "core/target_address.h"

#include <array>
#include <string_view>
#include <vector>

namespace keyward {
namespace {

const std::vector<Cidr>& InternalRanges() {
  static const std::vector<Cidr> ranges = [] {
    constexpr std::array<std::string_view, 22> kRanges = {
        "0.0.0.0/8",       "10.0.0.0/8",     "100.64.0.0/10", "127.0.0.0/8",    "169.254.0.0/16",
        "172.16.0.0/12",   "192.0.0.0/24",   "192.0.2.0/24",  "192.168.0.0/16", "198.18.0.0/15",
        "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4",   "240.0.0.0/4",    "::/128",
        "::1/128",         "fc00::/7",       "fe80::/10",     "ff00::/8",       "64:ff9b::/96",
        "2001:db8::/32",   "100::/64",
    };
    std::vector<Cidr> out;
    for (std::string_view r : kRanges) out.push_back(*Cidr::Parse(r));
    return out;
  }();
  return ranges;
}

}  // namespace

bool IsInternalAddress(const IpAddress& ip) {
  return AnyContains(InternalRanges(), ip);
}

bool IsAllowedTarget(const IpAddress& ip, std::span<const Cidr> allow_private) {
  return !IsInternalAddress(ip) || AnyContains(allow_private, ip);
}

}  // namespace keyward
