// The HTTP API's own settings (config [verifier], [server] trusted_proxies, [abuse]). Plain value.
#pragma once

#include <cstdint>
#include <vector>

#include "core/cidr.h"

namespace keyward {

struct ApiSettings {
  // Who may call /v1/auth and /v1/keys/verify; whose X-Forwarded-For / X-Real-IP we believe.
  std::vector<Cidr> verifier_allow_from = LoopbackRanges();
  std::vector<Cidr> trusted_proxies = LoopbackRanges();
  // Failed authentications (401) allowed per client address per minute before its further failing
  // requests get 429 RATE_LIMITED instead (AuthFailureThrottle); 0 = no throttle. Loopback client
  // addresses (a process on this host) are not throttled.
  int64_t auth_failures_per_minute = 600;
};

}  // namespace keyward
