// Where a webhook goes (API.md 14, SSRF defences): the endpoint URL parsed (https, or http for a
// host in webhooks.allow_http; no user info, no fragment), and its host resolved with every
// address checked (core/target_address.h: loopback, private, link-local, unspecified… only when
// in webhooks.allow_private). Used when an endpoint is created or changed and again before every
// attempt, which then connects to one of the checked addresses (never resolving twice).
// Thread-safe; Resolve blocks on DNS (getaddrinfo).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "core/status.h"
#include "service/settings.h"

namespace keyward {

struct WebhookTarget {
  bool https = true;
  std::string host;  // as written (a name, an IPv4 address, or an IPv6 address without [])
  uint16_t port = 443;
  std::string target;  // path and query, "/" at least
};

inline constexpr size_t kMaxWebhookUrlLength = 2048;

// kInvalidRequest (param "url") with the reason when `url` is not acceptable by its form.
Result<WebhookTarget> ParseWebhookUrl(std::string_view url, const WebhookSettings& settings);

// The host's addresses, when every one of them is allowed. kInvalidRequest (param "url") when it
// does not resolve or any address is refused (the message names the rule, not the address).
Result<std::vector<IpAddress>> ResolveWebhookTarget(const WebhookTarget& target,
                                                    const WebhookSettings& settings);

// The address in text form for connecting ("192.0.2.1", "2001:db8::1").
std::string IpText(const IpAddress& ip);

}  // namespace keyward
