// The message heads the proxy writes itself: the upstream request's framing line and Host fallback,
// and the client's copy of the upstream response head (the fields ClientResponseFields keeps, the
// request id, keyward's rate-limit fields, and framing chosen for the client). Pure; thread-safe.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/optional/optional.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/proxy_internal.h"

namespace keyward {

// "Content-Length: N\r\n" for a buffered body or a declared length, "Transfer-Encoding:
// chunked\r\n" for a chunked one still to stream, else "".
std::string RequestFraming(const std::optional<std::string>& buffered,
                           boost::optional<uint64_t> content_length, bool chunked);

// "host:port" ("[v6]:port") of the upstream's first address, for a request without Host.
std::string HostFallback(const Upstream& upstream);

// The response head for the client. Content-Length as the upstream declared it (for HEAD, 204 and
// 304 as sent), else chunked for an HTTP/1.1 client (*chunked_out), else the end is the close
// (*keep = false); Connection: close when !*keep, keep-alive for an HTTP/1.0 client that keeps it.
std::string ClientResponseHead(
    const boost::beast::http::response_parser<boost::beast::http::buffer_body>& rp,
    const boost::beast::http::request_header<>& req, std::string_view request_id,
    const Admission& admission, bool* keep, bool* chunked_out);

}  // namespace keyward
