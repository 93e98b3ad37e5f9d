#include "http/wire/request_view.h"

namespace keyward {

void ViewRequest(const boost::beast::http::request_header<>& head, std::string_view body,
                 const HeaderSource& headers, const Peer& peer, std::string_view request_id,
                 HttpRequest* out) {
  out->method = head.method_string();
  out->target = head.target();
  const size_t q = out->target.find('?');
  out->path = out->target.substr(0, q);
  out->query = q == std::string_view::npos ? std::string_view() : out->target.substr(q + 1);
  out->body = body;
  out->headers = &headers;
  out->peer = peer.address;
  out->peer_text = peer.text;
  out->tls = peer.tls;
  out->request_id = request_id;
}

}  // namespace keyward
