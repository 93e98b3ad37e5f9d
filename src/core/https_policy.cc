#include "core/https_policy.h"

namespace keyward {

bool IsLoopback(const IpAddress& ip) {
  if (ip.is_v4) return ip.bytes[12] == 127;
  for (size_t i = 0; i < 15; ++i) {
    if (ip.bytes[i] != 0) return false;
  }
  return ip.bytes[15] == 1;
}

bool HttpsRequired(bool tls_configured, bool over_tls, const IpAddress& peer,
                   std::span<const Cidr> trusted_proxies) {
  if (!tls_configured || over_tls) return false;
  if (IsLoopback(peer)) return false;
  return !AnyContains(trusted_proxies, peer);
}

}  // namespace keyward
