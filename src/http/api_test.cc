// The route registry and the OpenAPI document must agree: every route keyward serves is
// documented under the same path and method.
#include "http/api.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace keyward {
namespace {

std::string ReadOpenApi() {
  std::ifstream in(std::string(KEYWARD_SOURCE_DIR) + "/docs/openapi.yaml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "/v1/tokens/:id/roll" → "/v1/tokens/{id}/roll"
std::string OpenApiPath(std::string_view pattern) {
  std::string out(pattern);
  for (size_t pos; (pos = out.find(":id")) != std::string::npos;) out.replace(pos, 3, "{id}");
  return out;
}

TEST(ApiRoutes, EveryRouteIsInTheOpenApiDocument) {
  const std::string doc = ReadOpenApi();
  ASSERT_FALSE(doc.empty()) << "docs/openapi.yaml not found";
  for (const RouteEntry& r : Api::Routes()) {
    const std::string path = "\n  " + OpenApiPath(r.pattern) + ":\n";
    const size_t at = doc.find(path);
    ASSERT_NE(at, std::string::npos) << r.pattern << " is not documented";
    if (r.method == "*") continue;
    // The method must appear in this path's block, before the next path.
    const size_t next = doc.find("\n  /", at + path.size());
    std::string method(r.method);
    for (char& c : method) c = static_cast<char>(std::tolower(c));
    const size_t found = doc.find("\n    " + method + ":", at);
    EXPECT_TRUE(found != std::string::npos && found < next)
        << r.method << " " << r.pattern << " is not documented";
  }
}

}  // namespace
}  // namespace keyward
