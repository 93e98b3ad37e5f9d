// The proxy's exchange through its real code (TEST_ProxyExchange): the bytes a client sends on one
// connection and the bytes the upstream answers with, both over in-memory streams. The input is
// the client's bytes, then a marker line, then the upstream's bytes:
//   "\n@@UPSTREAM@@\n"         every upstream connection is a fresh one;
//   "\n@@POOLED-UPSTREAM@@\n"  the first one poses as a pooled connection (the retry paths run).
// Without a marker the upstream answers a plain 200. The placeholders of fuzz_api.h name a real
// key (@KEY@), so that requests get past admission. The proxy must answer with HTTP and never
// crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_api.h"
#include "http/proxy.h"
#include "proxy_exchange_driver.h"

namespace {

keyward::Proxy& FuzzProxy(keyward::Api& api) {
  static keyward::Proxy* proxy = [&api] {
    keyward::ProxySettings settings;
    settings.upstream = "http://127.0.0.1:9";  // resolved, never connected: upstreams are in memory
    settings.max_body = 256 * 1024;
    auto created = keyward::Proxy::Create(api, settings);
    if (!created.ok()) std::abort();
    return created->release();
  }();
  return *proxy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keyward::fuzz::FuzzApi& f = keyward::fuzz::Instance();
  keyward::Proxy& proxy = FuzzProxy(*f.api);
  const std::string input =
      f.Substitute(std::string_view(reinterpret_cast<const char*>(data), size));
  std::string_view client = input;
  std::string_view upstream = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  bool pooled = false;
  for (std::string_view marker : {"\n@@UPSTREAM@@\n", "\n@@POOLED-UPSTREAM@@\n"}) {
    if (const size_t at = client.find(marker); at != std::string_view::npos) {
      upstream = client.substr(at + marker.size());
      client = client.substr(0, at);
      pooled = marker.size() > 15;
      break;
    }
  }
  const keyward::ProxyExchangeOutput out =
      keyward::TEST_ProxyExchange(proxy, client, upstream, pooled);
  if (!out.to_client.empty() && !out.to_client.starts_with("HTTP/1.1 ")) std::abort();
  return 0;
}
