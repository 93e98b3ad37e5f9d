// The HTTP request path through the real server code: the bytes a client sends on one connection
// (any number of pipelined requests, or garbage) go through Beast's parser, the header and body
// limits, the router, the credential checks and the handlers, over an in-memory stream
// (TEST_ServeConnection). The placeholders of fuzz_api.h name a real admin key, account,
// key and token. The server must answer and never with a 5xx.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_api.h"
#include "http/server/test_serve_connection.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keyward::fuzz::FuzzApi& f = keyward::fuzz::Instance();
  static const keyward::ServerSettings settings = [] {
    keyward::ServerSettings s;
    s.max_header_bytes = 8 * 1024;
    s.max_body_bytes = 64 * 1024;
    return s;
  }();
  const std::string input =
      f.Substitute(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string out = keyward::TEST_ServeConnection(*f.api, settings, input);
  if (out.find("HTTP/1.1 5") != std::string::npos) std::abort();
  return 0;
}
