// The client's address as keyward sees it: the socket's peer, or — when that peer is a trusted
// proxy — the address it reports in X-Forwarded-For (the rightmost hop that is not itself a
// trusted proxy) or X-Real-IP. Headers from untrusted peers are ignored, so a client cannot
// choose its own address. Pure apart from reading the request; thread-safe.
#pragma once

#include <span>
#include <string>

#include "core/cidr.h"
#include "http/http_types.h"

namespace keyward {

std::string ClientIp(const HttpRequest& req, std::span<const Cidr> trusted_proxies);

}  // namespace keyward
