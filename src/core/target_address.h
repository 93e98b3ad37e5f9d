// Which addresses a webhook may be sent to (API.md 14, SSRF defences): loopback, private
// (RFC 1918, unique-local, carrier-grade NAT), link-local, unspecified, multicast, broadcast and
// documentation/benchmark ranges are refused unless an operator's allow-list CIDR contains the
// address. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry. Pure; thread-safe.
#pragma once

#include <span>

#include "core/cidr.h"

namespace keyward {

// True when `ip` is one of the special ranges above (whatever the allow-list says).
bool IsInternalAddress(const IpAddress& ip);
// True when a webhook may be sent to `ip`: not internal, or internal and in `allow_private`.
bool IsAllowedTarget(const IpAddress& ip, std::span<const Cidr> allow_private);

}  // namespace keyward
