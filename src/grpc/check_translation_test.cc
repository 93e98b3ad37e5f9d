#include "grpc/check_translation.h"

#include <gtest/gtest.h>

#include <map>

namespace keyward {
namespace {

using envoy::service::auth::v3::AttributeContext;
using envoy::service::auth::v3::CheckRequest;

class MapHeaders : public HeaderSource {
 public:
  using Map = std::map<std::string, std::string>;
  explicit MapHeaders(Map h = {}) : h_(std::move(h)) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    auto it = h_.find(std::string(name));
    if (it == h_.end()) return std::nullopt;
    return std::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> h_;
};

// name → value of a HeaderValueOption list; every entry replaces (append false).
std::map<std::string, std::string> Flatten(
    const google::protobuf::RepeatedPtrField<envoy::config::core::v3::HeaderValueOption>& list) {
  std::map<std::string, std::string> out;
  for (const auto& h : list) {
    EXPECT_TRUE(h.has_append() && !h.append().value()) << h.header().key();
    out[h.header().key()] = h.header().value();
  }
  return out;
}

TEST(CheckHeaders, FindsHeadersCaseInsensitivelyInTheMapOrTheRawHeaderMap) {
  AttributeContext::HttpRequest http;
  (*http.mutable_headers())["x-api-key"] = "sk_test_1";
  (*http.mutable_headers())[":path"] = "/v1/x";
  CheckHeaders headers(http);
  EXPECT_EQ(headers.Get("X-Api-Key"), "sk_test_1");
  EXPECT_FALSE(headers.Get(":path"));
  EXPECT_FALSE(headers.Get("authorization"));

  AttributeContext::HttpRequest raw;
  auto* h = raw.mutable_header_map()->add_headers();
  h->set_key("authorization");
  h->set_raw_value("Bearer sk_test_2");
  CheckHeaders raw_headers(raw);
  EXPECT_EQ(raw_headers.Get("Authorization"), "Bearer sk_test_2");
}

TEST(CheckHeaders, SourceAddressIsTheSocketAddress) {
  CheckRequest req;
  EXPECT_EQ(SourceAddress(req), "");
  req.mutable_attributes()
      ->mutable_source()
      ->mutable_address()
      ->mutable_socket_address()
      ->set_address("198.51.100.7");
  EXPECT_EQ(SourceAddress(req), "198.51.100.7");
}

HttpResponse Allowed() {
  HttpResponse res;
  res.body = "{\"valid\":true}";
  res.headers =
      "X-Keyward-Account: acct_1\r\nX-Keyward-Token-Id: tok_1\r\nX-Keyward-Permissions: *\r\n"
      "X-Keyward-Livemode: true\r\nX-Keyward-Sandbox: false\r\nX-RateLimit-Limit: 150\r\n"
      "X-RateLimit-Remaining: 149\r\nX-RateLimit-Reset: 1700000060\r\n"
      "RateLimit-Policy: \"per-key\";q=150;w=60\r\nRateLimit: \"per-key\";r=149;t=1\r\n";
  return res;
}

TEST(ToCheckResponse, AllowedAddsIdentityRemovesTheKeyAndReturnsTheRateLimitHeaders) {
  CheckOutcome out = ToCheckResponse(
      Allowed(), MapHeaders(MapHeaders::Map{{"authorization", "Bearer sk_1"}}), "req_1");
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->status().code(), kRpcOk);
  ASSERT_TRUE(out.response->has_ok_response());
  const auto& ok = out.response->ok_response();
  auto upstream = Flatten(ok.headers());
  EXPECT_EQ(upstream.size(), 5u);
  EXPECT_EQ(upstream["X-Keyward-Account"], "acct_1");
  EXPECT_EQ(upstream["X-Keyward-Permissions"], "*");
  auto client = Flatten(ok.response_headers_to_add());
  EXPECT_EQ(client.size(), 5u);
  EXPECT_EQ(client["X-RateLimit-Remaining"], "149");
  EXPECT_EQ(client["RateLimit"], "\"per-key\";r=149;t=1");
  ASSERT_EQ(ok.headers_to_remove_size(), 2);
  EXPECT_EQ(ok.headers_to_remove(0), "x-api-key");
  EXPECT_EQ(ok.headers_to_remove(1), "authorization");

  // Another Authorization scheme is the upstream's, not the key: it stays.
  CheckOutcome basic = ToCheckResponse(
      Allowed(), MapHeaders(MapHeaders::Map{{"authorization", "Basic dTpw"}}), "req_2");
  ASSERT_EQ(basic.response->ok_response().headers_to_remove_size(), 1);
}

TEST(ToCheckResponse, RefusalsAreDeniedResponsesWithTheHttpStatusBodyAndHeaders) {
  HttpResponse res;
  res.status = 429;
  res.body = "{\"error\":{\"status\":429}}";
  res.headers = "X-Keyward-Error: {}\r\nRetry-After: 12\r\nX-RateLimit-Limit: 2\r\n";
  CheckOutcome out = ToCheckResponse(res, MapHeaders(), "req_3");
  ASSERT_TRUE(out.response);
  EXPECT_EQ(out.response->status().code(), kRpcPermissionDenied);
  const auto& denied = out.response->denied_response();
  EXPECT_EQ(denied.status().code(), 429);
  EXPECT_EQ(denied.body(), res.body);
  auto h = Flatten(denied.headers());
  EXPECT_EQ(h["content-type"], "application/json");
  EXPECT_EQ(h["x-request-id"], "req_3");
  EXPECT_EQ(h["Retry-After"], "12");
  EXPECT_EQ(h["X-RateLimit-Limit"], "2");
  EXPECT_FALSE(h.contains("X-Keyward-Error"));

  res.status = 401;
  EXPECT_EQ(ToCheckResponse(res, MapHeaders(), "r").response->status().code(), kRpcUnauthenticated);
  res.status = 403;
  EXPECT_EQ(ToCheckResponse(res, MapHeaders(), "r").response->status().code(),
            kRpcPermissionDenied);
  res.status = 400;
  EXPECT_EQ(ToCheckResponse(res, MapHeaders(), "r").response->status().code(), kRpcInvalidArgument);
}

TEST(ToCheckResponse, CannotDecideFailsTheRpc) {
  HttpResponse res;
  res.status = 503;
  CheckOutcome out = ToCheckResponse(res, MapHeaders(), "req_4");
  EXPECT_FALSE(out.response);
  EXPECT_EQ(out.rpc_code, kRpcUnavailable);
  res.status = 500;
  EXPECT_EQ(ToCheckResponse(res, MapHeaders(), "req_5").rpc_code, kRpcInternal);
}

}  // namespace
}  // namespace keyward
