// The http layer's own request/response values, so that handlers are pure functions from a
// request to a response and only the wire (wire/, server/, proxy/) deals with Beast. Not
// thread-safe (per request).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/cidr.h"

namespace keyward {

// Case-insensitive read access to the request's header fields.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  virtual std::optional<std::string_view> Get(std::string_view name) const = 0;
};

struct HttpRequest {
  std::string_view method;
  std::string_view target;  // as sent: path and query
  std::string_view path;    // without the query string
  std::string_view query;   // after '?', may be empty
  std::string_view body;
  const HeaderSource* headers = nullptr;
  IpAddress peer;              // the socket's peer
  std::string_view peer_text;  // the same, printed ("127.0.0.1", "::1")
  bool tls = false;
  std::string_view request_id;  // req_..., also sent as X-Request-Id; valid for the request

  std::optional<std::string_view> Header(std::string_view name) const {
    return headers ? headers->Get(name) : std::nullopt;
  }
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Extra header fields, already serialised as "Name: value\r\n" lines (one allocation).
  std::string headers;

  // Precondition: neither contains CR or LF (callers pass values they built or validated).
  void Add(std::string_view name, std::string_view value) {
    headers.append(name).append(": ").append(value).append("\r\n");
  }
  // The value of the first field called `name` (case-sensitive), for tests.
  std::optional<std::string_view> Find(std::string_view name) const;
};

}  // namespace keyward
