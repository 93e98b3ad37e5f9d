// The proxy's state and its pure pieces (admission, header rewriting), shared by proxy.cc and
// the exchange (proxy/). Internal to http/. Thread-safety: as Proxy (pools are per worker).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/fields.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.h"
#include "http/http_types.h"
#include "http/proxy.h"
#include "http/request_target.h"  // CheckTarget, MatchPath: shared with GET /v1/auth
#include "service/verifier.h"

namespace keyward {

struct Upstream {
  std::string url;                                        // as configured, for messages
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // resolved at start
};

// Idle keep-alive connections of one worker, one stack per upstream. Touched only by that
// worker's thread.
struct WorkerPool {
  std::vector<std::vector<boost::asio::ip::tcp::socket>> idle;
};

enum UpstreamIndex : size_t { kMainUpstream = 0, kSandboxUpstream = 1, kTestUpstream = 2 };

struct Proxy::State {
  Api& api;
  ProxySettings settings;
  std::vector<Upstream> upstreams;         // kMain, kSandbox, kTest (empty endpoints = unset)
  std::vector<std::string> sandbox_files;  // per route rule index; empty = none
  std::vector<std::unique_ptr<WorkerPool>> pools;  // per worker
};

// The outcome of authenticating a request for forwarding.
struct Admission {
  std::optional<HttpResponse> refusal;  // set: answer this (with rate-limit headers) instead
  Verdict verdict;                      // when admitted; its cost is still due (cost_due)
  size_t upstream = kMainUpstream;
  const std::string* sandbox_body = nullptr;  // admitted sandbox request with a route file
  std::string identity;                       // X-Keyward-* lines for the upstream
  std::string credential;                     // the presented key (to strip a matching Bearer)
  std::string idempotency_scope;              // the account; empty for the sandbox
};

// Authenticates, authorises and limits like GET /v1/auth (without charging), and picks the
// upstream: sandbox → the route's file, else sandbox_upstream, else test_upstream, else upstream;
// a test-mode key → test_upstream, else upstream.
Admission Admit(Proxy::State& state, const HttpRequest& req);

// The request head sent upstream: hop-by-hop fields (RFC 9110 7.6.1, and those named in
// Connection), x-api-key, an Authorization that carries the key, Keyward-Admin-Key, every
// X-Keyward-* and Expect removed; X-Forwarded-For appended with the peer; X-Forwarded-Proto and
// X-Request-Id set; the identity lines added; `framing` ("Content-Length: N\r\n",
// "Transfer-Encoding: chunked\r\n" or "") last.
std::string UpstreamRequestHead(const boost::beast::http::fields& fields, std::string_view method,
                                std::string_view target, const Admission& admission,
                                std::string_view peer_text, bool tls, std::string_view request_id,
                                std::string_view host_fallback, std::string_view framing);

// The upstream response's fields that go to the client as "Name: value\r\n" lines: without
// hop-by-hop fields, framing (the caller adds its own), X-Request-Id and the rate-limit fields
// that keyward sets.
std::string ClientResponseFields(const boost::beast::http::fields& fields);

// The stored form of a proxied response for Idempotency-Key replays (content type + body; the
// body base64-encoded so that any bytes survive any store), and back.
std::string EncodeStoredResponse(std::string_view content_type, std::string_view body);
bool DecodeStoredResponse(std::string_view stored, std::string* content_type, std::string* body);

}  // namespace keyward
