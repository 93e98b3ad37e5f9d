// The proxy's pure pieces: own paths, upstream URLs, target checks, header rewriting, the stored
// form of replayed responses.
#include "http/proxy.h"

#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

#include "http/proxy_internal.h"

namespace keyward {
namespace {

namespace http = boost::beast::http;

TEST(ProxyPaths, KeywardsOwnPathsAreNotForwarded) {
  for (const char* p : {"/v1/tokens",
                        "/v1/tokens/tok_1/revoke",
                        "/v1/token",
                        "/v1/token/verify",
                        "/v1/credits",
                        "/v1/accounts",
                        "/v1/accounts/acct_1/credits",
                        "/v1/keys/verify",
                        "/v1/auth",
                        "/v1/auth/v1/x",
                        "/v1/signup",
                        "/v1/session",
                        "/v1/agent-auth/token/ab",
                        "/healthz",
                        "/readyz",
                        "/metrics",
                        "/dashboard",
                        "/dashboard/",
                        "/dashboard/app.js",
                        "/agent-auth"}) {
    EXPECT_TRUE(IsKeywardPath(p)) << p;
  }
  for (const char* p : {"/", "/v1/extractions", "/v1/tokensx", "/v1/token/other", "/v1/authx",
                        "/v1/credits/x", "/healthz/x", "/dashboardx", "/v2/tokens", "/v1"}) {
    EXPECT_FALSE(IsKeywardPath(p)) << p;
  }
}

TEST(ProxyUpstreamUrl, ParsesHttpHostPort) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(ParseUpstreamUrl("http://127.0.0.1:9000", &host, &port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9000);
  ASSERT_TRUE(ParseUpstreamUrl("HTTP://api.internal/", &host, &port));
  EXPECT_EQ(host, "api.internal");
  EXPECT_EQ(port, 80);
  ASSERT_TRUE(ParseUpstreamUrl("http://[::1]:81", &host, &port));
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 81);
  for (const char* bad : {"", "https://h:1", "h:1", "http://", "http://h:", "http://h:0",
                          "http://h:70000", "http://h:1/x", "http://u@h:1", "http://[::1"}) {
    EXPECT_FALSE(ParseUpstreamUrl(bad, &host, &port)) << bad;
  }
}

TEST(ProxyTarget, RefusesWhatTheUpstreamCouldResolveElsewhere) {
  EXPECT_FALSE(CheckTarget("/v1/extractions?x=../y"));
  EXPECT_FALSE(CheckTarget("/"));
  EXPECT_FALSE(CheckTarget("/a/..b/c."));
  for (const char* bad : {"", "*", "http://h/x", "/v1/x/../tokens", "/./x", "/x/..", "/x/%2e%2e/y",
                          "/x/%2E/y", "/x%2fy", "/x\\y"}) {
    EXPECT_TRUE(CheckTarget(bad)) << bad;
  }
}

Admission TestAdmission() {
  Admission a;
  a.credential = "sk_test_abc";
  a.identity = "X-Keyward-Account: acct_1\r\nX-Keyward-Sandbox: false\r\n";
  return a;
}

TEST(ProxyHeaders, RequestHeadDropsKeysHopByHopAndSpoofedIdentity) {
  http::fields f;
  f.insert("Host", "api.example.com");
  f.insert("x-api-key", "sk_test_abc");
  f.insert("Authorization", "Bearer sk_test_abc");
  f.insert("Connection", "keep-alive, X-Secret-Hop");
  f.insert("X-Secret-Hop", "1");
  f.insert("Keep-Alive", "timeout=5");
  f.insert("Transfer-Encoding", "chunked");
  f.insert("Upgrade", "websocket");
  f.insert("TE", "trailers");
  f.insert("Proxy-Authorization", "Basic x");
  f.insert("X-Keyward-Account", "acct_spoofed");
  f.insert("x-keyward-sandbox", "true");
  f.insert("Keyward-Admin-Key", "ak_x");
  f.insert("Expect", "100-continue");
  f.insert("Content-Length", "5");
  f.insert("X-Forwarded-For", "10.0.0.1");
  f.insert("X-Forwarded-Proto", "https");
  f.insert("Accept", "application/json");
  const std::string head = UpstreamRequestHead(f, "POST", "/v1/x?y=1", TestAdmission(), "127.0.0.1",
                                               false, "req_1", "up:1", "Content-Length: 5\r\n");
  EXPECT_TRUE(head.starts_with("POST /v1/x?y=1 HTTP/1.1\r\n")) << head;
  EXPECT_TRUE(head.ends_with("Content-Length: 5\r\n\r\n")) << head;
  EXPECT_NE(head.find("Host: api.example.com\r\n"), std::string::npos);
  EXPECT_NE(head.find("Accept: application/json\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-For: 10.0.0.1, 127.0.0.1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Proto: http\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Request-Id: req_1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Keyward-Account: acct_1\r\n"), std::string::npos);
  for (const char* gone :
       {"sk_test_abc", "acct_spoofed", "Sandbox: true", "X-Secret-Hop", "Keep-Alive", "chunked",
        "websocket", "TE:", "Proxy-Authorization", "ak_x", "Expect", "https", "Connection"}) {
    EXPECT_EQ(head.find(gone), std::string::npos) << gone << " in\n" << head;
  }
  EXPECT_EQ(head.find("Content-Length"), head.rfind("Content-Length"));
}

TEST(ProxyHeaders, OtherAuthorizationSchemesPassAndHostIsFilledIn) {
  http::fields f;
  f.insert("x-api-key", "sk_test_abc");
  f.insert("Authorization", "Basic dXNlcjpwYXNz");
  const std::string head =
      UpstreamRequestHead(f, "GET", "/", TestAdmission(), "::1", true, "req_2", "10.1.1.1:80", "");
  EXPECT_NE(head.find("Authorization: Basic dXNlcjpwYXNz\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Host: 10.1.1.1:80\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-For: ::1\r\n"), std::string::npos);
  EXPECT_NE(head.find("X-Forwarded-Proto: https\r\n"), std::string::npos);
  EXPECT_EQ(head.find("sk_test_abc"), std::string::npos);
}

TEST(ProxyHeaders, ResponseFieldsLoseHopByHopFramingAndKeywardsOwn) {
  http::fields f;
  f.insert("Content-Type", "text/plain");
  f.insert("Content-Length", "3");
  f.insert("Transfer-Encoding", "chunked");
  f.insert("Connection", "close, X-Hop");
  f.insert("X-Hop", "1");
  f.insert("X-Request-Id", "up_1");
  f.insert("X-RateLimit-Limit", "5");
  f.insert("RateLimit", "x");
  f.insert("Set-Cookie", "a=b");
  const std::string out = ClientResponseFields(f);
  EXPECT_EQ(out, "Content-Type: text/plain\r\nSet-Cookie: a=b\r\n");
}

TEST(ProxyStoredResponse, RoundTripsAnyBytes) {
  std::string body("a\0b\xff\n{\"x\":1}", 13);
  const std::string stored = EncodeStoredResponse("application/octet-stream", body);
  EXPECT_EQ(stored.find('\0'), std::string::npos);
  std::string type, back;
  ASSERT_TRUE(DecodeStoredResponse(stored, &type, &back));
  EXPECT_EQ(type, "application/octet-stream");
  EXPECT_EQ(back, body);
  EXPECT_FALSE(DecodeStoredResponse("{\"id\":\"x\"}", &type, &back));
  for (size_t n = 0; n < 8; ++n) {  // every padding
    const std::string b(n, 'q');
    ASSERT_TRUE(DecodeStoredResponse(EncodeStoredResponse("t", b), &type, &back)) << n;
    EXPECT_EQ(back, b);
  }
}

}  // namespace
}  // namespace keyward
