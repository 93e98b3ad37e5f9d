// The client's address as keyward sees it: the socket's peer, or — when that peer is a trusted
// proxy — the address it reports in X-Forwarded-For (the rightmost hop that is not itself a
// trusted proxy) or X-Real-IP. Headers from untrusted peers are ignored, so a client cannot
// choose its own address. Pure apart from reading the request; thread-safe.
#pragma once

#include <span>
#include <string>

#include "core/cidr.h"
#include "http/http_types.h"
#include "service/verifier.h"

namespace keyward {

std::string ClientIp(const HttpRequest& req, std::span<const Cidr> trusted_proxies);

// The verifier's view of a request's client address: ClientIp(), worked out on first use only
// (most keys have no allowlist and are not the sandbox). One request, one thread.
class RequestClientAddress final : public ClientAddress {
 public:
  RequestClientAddress(const HttpRequest& req, std::span<const Cidr> trusted_proxies)
      : req_(req), trusted_(trusted_proxies) {}
  std::string_view Get() const override {
    if (!known_) {
      ip_ = ClientIp(req_, trusted_);
      known_ = true;
    }
    return ip_;
  }

 private:
  const HttpRequest& req_;
  std::span<const Cidr> trusted_;
  mutable std::string ip_;
  mutable bool known_ = false;
};

}  // namespace keyward
