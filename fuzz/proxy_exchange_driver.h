// The fuzzer's entry point into the proxy's exchange (leveldb's TEST_ pattern; built with the
// fuzzers only, used by fuzz/proxy_exchange_fuzz.cc): the requests a client sends on one connection
// (`client_bytes`, after which the client closes) go through the real exchange (exchange.h) one
// after another, as the server's connection loop hands them over, with in-memory upstreams that
// answer every connection with `upstream_bytes` (memory_upstreams.h; with `first_pooled` the first
// one poses as a pooled connection, so that the retry paths run). Every request is forwarded
// (keyward's own paths are not set apart). Not thread-safe: one call at a time.
#pragma once

#include <string>
#include <string_view>

#include "http/proxy.h"

namespace keyward {

struct ProxyExchangeOutput {
  std::string to_client;    // everything the client received
  std::string to_upstream;  // everything the upstreams received
};

ProxyExchangeOutput TEST_ProxyExchange(Proxy& proxy, std::string_view client_bytes,
                                       std::string_view upstream_bytes, bool first_pooled);

}  // namespace keyward
