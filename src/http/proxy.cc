// Proxy mode: configuration, admission and header rewriting (the I/O is in proxy/exchange.cc).
#include "http/proxy.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/detail/base64.hpp>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <fstream>
#include <sstream>

#include "core/credential.h"
#include "http/client_ip.h"
#include "http/errors.h"
#include "http/proxy_internal.h"
#include "http/request_auth.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool IStartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// RFC 9110 7.6.1 and the usual companions.
bool IsHopByHop(std::string_view name) {
  static constexpr std::string_view kNames[] = {"connection",
                                                "keep-alive",
                                                "proxy-connection",
                                                "te",
                                                "trailer",
                                                "transfer-encoding",
                                                "upgrade",
                                                "proxy-authenticate",
                                                "proxy-authorization"};
  for (std::string_view n : kNames) {
    if (IEquals(name, n)) return true;
  }
  return false;
}

// Is `name` one of the tokens listed in the Connection fields?
bool NamedInConnection(const http::fields& fields, std::string_view name) {
  for (auto it = fields.find(http::field::connection);
       it != fields.end() && it->name() == http::field::connection; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const size_t comma = list.find(',');
      if (IEquals(Trim(list.substr(0, comma)), name)) return true;
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return false;
}

Result<Upstream> Resolve(std::string_view setting, const std::string& url) {
  Upstream up;
  up.url = url;
  std::string host;
  uint16_t port = 0;
  if (!ParseUpstreamUrl(url, &host, &port)) {
    return InvalidRequest("proxy." + std::string(setting) +
                              " must be http://host:port (https upstreams are not supported)",
                          std::string(setting));
  }
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return InvalidRequest(
        "proxy." + std::string(setting) + ": cannot resolve " + host + ": " + ec.message(),
        std::string(setting));
  }
  for (const auto& r : results) up.endpoints.push_back(r.endpoint());
  return up;
}

}  // namespace

bool ParseUpstreamUrl(std::string_view url, std::string* host, uint16_t* port) {
  constexpr std::string_view kScheme = "http://";
  if (!IStartsWith(url, kScheme)) return false;
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) return false;
  std::string_view h = rest, p;
  if (rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    h = rest.substr(1, close - 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      p = after.substr(1);
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    h = rest.substr(0, colon);
    p = rest.substr(colon + 1);
  }
  if (h.empty()) return false;
  unsigned value = 80;
  if (!p.empty() || rest.back() == ':') {
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || value == 0 ||
        value > 65535) {
      return false;
    }
  }
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return true;
}

Proxy::Proxy(std::unique_ptr<State> state) : state_(std::move(state)) {}
Proxy::~Proxy() = default;

Result<std::unique_ptr<Proxy>> Proxy::Create(Api& api, const ProxySettings& settings) {
  auto state = std::make_unique<State>(State{api, settings, {}, {}, {}});
  state->upstreams.resize(3);
  const std::pair<std::string_view, const std::string*> named[] = {
      {"upstream", &settings.upstream},
      {"sandbox_upstream", &settings.sandbox_upstream},
      {"test_upstream", &settings.test_upstream}};
  for (size_t i = 0; i < 3; ++i) {
    if (named[i].second->empty()) continue;
    auto up = Resolve(named[i].first, *named[i].second);
    if (!up.ok()) return up.error();
    state->upstreams[i] = std::move(*up);
  }
  if (state->upstreams[kMainUpstream].endpoints.empty()) {
    return InvalidRequest("proxy.upstream must be set for proxy mode", "upstream");
  }
  for (const RouteRule& rule : api.services().settings().routes.rules()) {
    std::string body;
    if (!rule.sandbox_response.empty()) {
      std::string path = rule.sandbox_response;
      if (path.front() != '/' && !settings.base_dir.empty()) path = settings.base_dir + "/" + path;
      std::ifstream in(path, std::ios::binary);
      if (!in.is_open()) {
        return InvalidRequest(
            "route " + rule.path + ": cannot read its sandbox_response file " + path,
            "sandbox_response");
      }
      std::ostringstream text;
      text << in.rdbuf();
      body = text.str();
    }
    state->sandbox_files.push_back(std::move(body));
  }
  return std::unique_ptr<Proxy>(new Proxy(std::move(state)));
}

uint64_t Proxy::max_body() const {
  return state_->settings.max_body;
}

void Proxy::PrepareWorkers(size_t count) {
  state_->pools.clear();
  for (size_t i = 0; i < count; ++i) {
    auto pool = std::make_unique<WorkerPool>();
    pool->idle.resize(3);
    state_->pools.push_back(std::move(pool));
  }
}

// The same decisions as GET /v1/auth, through the same functions (request_auth.h).
Admission Admit(Proxy::State& state, const HttpRequest& req) {
  Admission a;
  const HandlerContext& ctx = state.api.context();
  PresentedCredential cred =
      ExtractCredential(req.Header("x-api-key"), req.Header("authorization"));
  if (cred.presence != CredentialPresence::kPresent) {
    a.refusal = RefusalFor(cred.presence, req.request_id);
    return a;
  }
  RequestClientAddress client(req, ctx.settings.trusted_proxies);  // worked out if needed
  // Matched as GET /v1/auth matches a gateway's request (request_target.h).
  std::string method_scratch, path_scratch;
  const std::string_view method = MatchMethod(req.method, &method_scratch);
  const std::string_view path = MatchPath(req.target, &path_scratch);
  Verdict v = ctx.verifier.Verify(cred.value, method, path, client, Consume::kDeferCharge);
  if (!v.valid()) {
    HttpResponse res = ErrorResponse(Error(*v.error, v.message), req.request_id);
    AddRefusalHeaders(res, v);
    a.refusal = std::move(res);
    return a;
  }
  const KeyRecord& rec = *v.record;
  AppendIdentityHeaders(a.identity, rec, v.extras.get());
  a.credential = std::string(cred.value);
  const auto& ups = state.upstreams;
  if (rec.sandbox) {
    const RouteTable& routes = state.api.services().settings().routes;
    const RouteRule* rule = routes.Match(method, path);
    if (rule != nullptr) {
      const size_t index = static_cast<size_t>(rule - routes.rules().data());
      if (index < state.sandbox_files.size() && !rule->sandbox_response.empty()) {
        a.sandbox_body = &state.sandbox_files[index];
      }
    }
    a.upstream = !ups[kSandboxUpstream].endpoints.empty() ? kSandboxUpstream
                 : !ups[kTestUpstream].endpoints.empty()  ? kTestUpstream
                                                          : kMainUpstream;
  } else {
    a.idempotency_scope = rec.account->id;
    if (!rec.livemode && !ups[kTestUpstream].endpoints.empty()) a.upstream = kTestUpstream;
  }
  a.verdict = std::move(v);
  return a;
}

std::string UpstreamRequestHead(const http::fields& fields, std::string_view method,
                                std::string_view target, const Admission& admission,
                                std::string_view peer_text, bool tls, std::string_view request_id,
                                std::string_view host_fallback, std::string_view framing) {
  std::string out;
  out.reserve(512 + admission.identity.size());
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  std::string forwarded_for;
  bool has_host = false;
  for (const auto& f : fields) {
    std::string_view name = f.name_string();
    std::string_view value = f.value();
    if (IsHopByHop(name) || NamedInConnection(fields, name)) continue;
    if (IEquals(name, "x-api-key") || IEquals(name, "keyward-admin-key") ||
        IStartsWith(name, "x-keyward-") || IEquals(name, "expect") ||
        IEquals(name, "content-length") || IEquals(name, "x-forwarded-proto") ||
        IEquals(name, "x-request-id")) {
      continue;
    }
    if (IEquals(name, "authorization")) {
      std::string_view v = Trim(value);
      if (IStartsWith(v, "bearer ") && Trim(v.substr(7)) == admission.credential) continue;
    }
    if (IEquals(name, "x-forwarded-for")) {
      if (!forwarded_for.empty()) forwarded_for.append(", ");
      forwarded_for.append(Trim(value));
      continue;
    }
    if (IEquals(name, "host")) has_host = true;
    out.append(name).append(": ").append(value).append("\r\n");
  }
  if (!has_host) out.append("Host: ").append(host_fallback).append("\r\n");
  if (!forwarded_for.empty()) forwarded_for.append(", ");
  forwarded_for.append(peer_text);
  out.append("X-Forwarded-For: ").append(forwarded_for).append("\r\n");
  out.append("X-Forwarded-Proto: ").append(tls ? "https" : "http").append("\r\n");
  out.append("X-Request-Id: ").append(request_id).append("\r\n");
  out.append(admission.identity);
  out.append(framing);
  out.append("\r\n");
  return out;
}

std::string ClientResponseFields(const http::fields& fields) {
  std::string out;
  for (const auto& f : fields) {
    std::string_view name = f.name_string();
    if (IsHopByHop(name) || NamedInConnection(fields, name)) continue;
    if (IEquals(name, "content-length") || IEquals(name, "x-request-id") ||
        IEquals(name, "x-ratelimit-limit") || IEquals(name, "x-ratelimit-remaining") ||
        IEquals(name, "x-ratelimit-reset") || IEquals(name, "ratelimit") ||
        IEquals(name, "ratelimit-policy")) {
      continue;
    }
    out.append(name).append(": ").append(f.value()).append("\r\n");
  }
  return out;
}

namespace {
constexpr std::string_view kStoredMagic = "keyward-proxy-response-v1\n";
}  // namespace

std::string EncodeStoredResponse(std::string_view content_type, std::string_view body) {
  namespace b64 = boost::beast::detail::base64;
  std::string out(kStoredMagic);
  out.append(content_type).append("\n");
  const size_t start = out.size();
  out.resize(start + b64::encoded_size(body.size()));
  const size_t n = b64::encode(out.data() + start, body.data(), body.size());
  out.resize(start + n);
  return out;
}

bool DecodeStoredResponse(std::string_view stored, std::string* content_type, std::string* body) {
  namespace b64 = boost::beast::detail::base64;
  if (!stored.starts_with(kStoredMagic)) return false;
  stored.remove_prefix(kStoredMagic.size());
  const size_t nl = stored.find('\n');
  if (nl == std::string_view::npos) return false;
  *content_type = std::string(stored.substr(0, nl));
  std::string_view encoded = stored.substr(nl + 1);
  size_t padding = 0;
  while (padding < 2 && padding < encoded.size() && encoded[encoded.size() - 1 - padding] == '=') {
    ++padding;
  }
  body->resize(b64::decoded_size(encoded.size()));
  auto [written, read] = b64::decode(body->data(), encoded.data(), encoded.size());
  body->resize(written);
  return read + padding >= encoded.size();
}

}  // namespace keyward
