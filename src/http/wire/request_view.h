// An HttpRequest (http_types.h) as views into a parsed Beast request head: the one place where both
// edges (the API server's connection loop and the proxy's exchange) turn Beast's message into the
// handlers' value. Nothing is copied; the head, body, headers and peer text must outlive the view.
// Pure; thread-safe as far as its arguments are.
#pragma once

#include <boost/beast/http/message.hpp>
#include <string_view>

#include "core/cidr.h"
#include "http/http_types.h"

namespace keyward {

// Who is at the other end of a client connection.
struct Peer {
  IpAddress address;      // as parsed ("::ffff:a.b.c.d" already unmapped)
  std::string_view text;  // the same, printed ("127.0.0.1", "::1"); logged and forwarded
  bool tls = false;       // the connection came in on the HTTPS listener
};

// The path of a request target: everything before the first '?'. Safe to log only after LogSafe.
inline std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Fills every field of `out` from the head (method, target, path, query), `body`, `headers` (a view
// of the head's fields), the peer and the request id.
void ViewRequest(const boost::beast::http::request_header<>& head, std::string_view body,
                 const HeaderSource& headers, const Peer& peer, std::string_view request_id,
                 HttpRequest* out);

}  // namespace keyward
