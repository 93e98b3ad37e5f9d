// The wire pieces both edges share: the one response serialisation, log-safe strings, and the
// request view over a parsed Beast head.
#include "http/wire/response_writer.h"

#include <gtest/gtest.h>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/wire/header_view.h"
#include "http/wire/request_view.h"

namespace keyward {
namespace {

namespace http = boost::beast::http;

TEST(SerializeResponse, WritesStatusFieldsAndBodyInOneBuffer) {
  HttpResponse res;
  res.status = 201;
  res.body = R"({"ok":true})";
  res.Add("Location", "/v1/tokens/tok_1");
  std::string out = "left over from the previous request";
  SerializeResponse(res, "req_1", 11, /*keep_alive=*/true, &out);
  EXPECT_EQ(out,
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Request-Id: req_1\r\n"
            "Content-Length: 11\r\nLocation: /v1/tokens/tok_1\r\n\r\n{\"ok\":true}");
}

TEST(SerializeResponse, SaysHowTheConnectionGoesOn) {
  HttpResponse res;
  res.status = 404;
  std::string out;
  SerializeResponse(res, "req_2", 11, /*keep_alive=*/false, &out);
  EXPECT_NE(out.find("\r\nConnection: close\r\n"), std::string::npos) << out;
  SerializeResponse(res, "req_2", 10, /*keep_alive=*/true, &out);
  EXPECT_NE(out.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << out;
  SerializeResponse(res, "req_2", 11, /*keep_alive=*/true, &out);
  EXPECT_EQ(out.find("Connection:"), std::string::npos) << out;
  EXPECT_TRUE(out.starts_with("HTTP/1.1 404 Not Found\r\n")) << out;
}

TEST(LogSafe, KeepsPrintableAsciiWithoutQuotesAndCutsAt200) {
  EXPECT_EQ(LogSafe("/v1/tokens/tok_1"), "/v1/tokens/tok_1");
  EXPECT_EQ(LogSafe("/a\"b\\c\r\nd\x7f\xc3\xa9"), "/a?b?c??d???");
  EXPECT_EQ(LogSafe(std::string(500, 'x')).size(), 200u);
}

TEST(ViewRequest, SplitsTheTargetAndCarriesThePeer) {
  http::request<http::string_body> req{http::verb::post, "/v1/tokens?limit=2&x=y", 11};
  req.set("X-Api-Key", "kw_test");
  req.body() = "{}";
  const FieldsView headers(req.base());
  const Peer peer{*ParseIp("10.1.2.3"), "10.1.2.3", true};
  HttpRequest out;
  ViewRequest(req.base(), req.body(), headers, peer, "req_3", &out);
  EXPECT_EQ(out.method, "POST");
  EXPECT_EQ(out.target, "/v1/tokens?limit=2&x=y");
  EXPECT_EQ(out.path, "/v1/tokens");
  EXPECT_EQ(out.query, "limit=2&x=y");
  EXPECT_EQ(out.body, "{}");
  EXPECT_EQ(out.Header("x-api-key"), "kw_test");
  EXPECT_EQ(out.Header("authorization"), std::nullopt);
  EXPECT_EQ(out.peer_text, "10.1.2.3");
  EXPECT_TRUE(out.tls);
  EXPECT_EQ(out.request_id, "req_3");
  req.target("/healthz");
  ViewRequest(req.base(), {}, headers, peer, "req_4", &out);
  EXPECT_EQ(out.path, "/healthz");
  EXPECT_EQ(out.query, "");
}

}  // namespace
}  // namespace keyward
