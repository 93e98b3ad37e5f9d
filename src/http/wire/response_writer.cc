#include "http/wire/response_writer.h"

#include <boost/beast/http/status.hpp>

namespace keyward {

void SerializeResponse(const HttpResponse& res, std::string_view request_id, unsigned version,
                       bool keep_alive, std::string* out) {
  namespace http = boost::beast::http;
  out->clear();
  out->append("HTTP/1.1 ");
  const char code[4] = {static_cast<char>('0' + res.status / 100 % 10),
                        static_cast<char>('0' + res.status / 10 % 10),
                        static_cast<char>('0' + res.status % 10), ' '};
  out->append(code, 4);
  out->append(http::obsolete_reason(static_cast<http::status>(res.status)));
  out->append("\r\nContent-Type: ").append(res.content_type);
  out->append("\r\nX-Request-Id: ").append(request_id);
  out->append("\r\nContent-Length: ").append(std::to_string(res.body.size()));
  if (!keep_alive) {
    out->append("\r\nConnection: close");
  } else if (version < 11) {
    out->append("\r\nConnection: keep-alive");
  }
  out->append("\r\n").append(res.headers).append("\r\n").append(res.body);
}

std::string LogSafe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    out.push_back(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?');
  }
  return out;
}

}  // namespace keyward
