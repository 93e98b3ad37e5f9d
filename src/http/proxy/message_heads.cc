#include "http/proxy/message_heads.h"

#include "http/request_auth.h"

namespace keyward {

namespace http = boost::beast::http;

std::string RequestFraming(const std::optional<std::string>& buffered,
                           boost::optional<uint64_t> content_length, bool chunked) {
  if (buffered) return "Content-Length: " + std::to_string(buffered->size()) + "\r\n";
  if (content_length) return "Content-Length: " + std::to_string(*content_length) + "\r\n";
  if (chunked) return "Transfer-Encoding: chunked\r\n";
  return {};
}

std::string HostFallback(const Upstream& upstream) {
  const auto& ep = upstream.endpoints.front();
  const std::string address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

std::string ClientResponseHead(const http::response_parser<http::buffer_body>& rp,
                               const http::request_header<>& req, std::string_view request_id,
                               const Admission& admission, bool* keep, bool* chunked_out) {
  const auto& res = rp.get();
  const int status = res.result_int();
  std::string out;
  out.reserve(1024);
  out.append("HTTP/1.1 ").append(std::to_string(status)).append(" ");
  out.append(res.reason().empty() ? http::obsolete_reason(res.result()) : res.reason());
  out.append("\r\n");
  out.append(ClientResponseFields(res.base()));
  out.append("X-Request-Id: ").append(request_id).append("\r\n");
  if (admission.verdict.ratelimit) {
    HttpResponse tmp;
    AddRateLimitHeaders(tmp, *admission.verdict.ratelimit);
    out.append(tmp.headers);
  }
  if (req.method() == http::verb::head || status == 204 || status == 304) {
    if (auto it = res.find(http::field::content_length); it != res.end()) {
      out.append("Content-Length: ").append(it->value()).append("\r\n");
    }
  } else if (rp.content_length()) {
    out.append("Content-Length: ").append(std::to_string(*rp.content_length())).append("\r\n");
  } else if (rp.is_done()) {
    out.append("Content-Length: 0\r\n");
  } else if (req.version() >= 11) {
    *chunked_out = true;
    out.append("Transfer-Encoding: chunked\r\n");
  } else {
    *keep = false;  // an HTTP/1.0 client learns the end from the close
  }
  if (!*keep) {
    out.append("Connection: close\r\n");
  } else if (req.version() < 11) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  return out;
}

}  // namespace keyward
