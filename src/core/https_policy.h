// When plain HTTP is refused (API.md 1.2, 9): with TLS configured, a plain-HTTP request from a
// peer that is neither loopback nor a trusted proxy gets 403 HTTPS_REQUIRED, so that a key never
// crosses a network in clear. Loopback peers (127.0.0.0/8, ::1) and trusted proxies (which may have
// terminated TLS themselves) may still speak plain HTTP. Without TLS nothing is refused.
// Pure; thread-safe.
#pragma once

#include <span>

#include "core/cidr.h"

namespace keyward {

// True for 127.0.0.0/8 (also as ::ffff:127.x.y.z) and ::1.
bool IsLoopback(const IpAddress& ip);

// True when the request must be refused with 403 HTTPS_REQUIRED.
bool HttpsRequired(bool tls_configured, bool over_tls, const IpAddress& peer,
                   std::span<const Cidr> trusted_proxies);

}  // namespace keyward
