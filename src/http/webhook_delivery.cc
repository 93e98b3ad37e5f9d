#include "http/webhook_delivery.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "core/hmac.h"
#include "core/random.h"
#include "http/render.h"
#include "service/webhook_target.h"

namespace keyward {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock_ = std::chrono::steady_clock;

constexpr size_t kMaxResponseBody = 64 * 1024;

struct Prepared {
  WebhookTarget target;
  std::vector<tcp::endpoint> endpoints;  // checked addresses only
  http::request<http::string_body> request;
};

struct Answered {
  bool succeeded = false;
  std::optional<int64_t> status;
};

std::string HostHeader(const WebhookTarget& t) {
  std::string host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  if (t.port != (t.https ? 443 : 80)) host += ":" + std::to_string(t.port);
  return host;
}

template <class Stream>
asio::awaitable<Answered> Exchange(Stream& stream, http::request<http::string_body>& req) {
  Answered out;
  auto [wec, written] =
      co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return out;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [rec, read] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  // A status line that arrived counts even when the body was cut short or too long.
  if (parser.is_header_done()) out.status = parser.get().result_int();
  if (!rec && out.status) out.succeeded = *out.status >= 200 && *out.status < 300;
  co_return out;
}

asio::awaitable<Answered> Send(Prepared& p, ssl::context* tls, std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);  // one deadline for connect, TLS, write and read
  auto [cec, ep] = co_await stream.async_connect(p.endpoints, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return Answered{};
  if (!p.target.https) {
    Answered a = co_await Exchange(stream, p.request);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return a;
  }
  beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), *tls);
  if (!ParseIp(p.target.host)) {
    SSL_set_tlsext_host_name(secure.native_handle(), p.target.host.c_str());
  }
  secure.set_verify_mode(ssl::verify_peer);
  secure.set_verify_callback(ssl::host_name_verification(p.target.host));
  auto [hec] = co_await secure.async_handshake(ssl::stream_base::client,
                                               asio::as_tuple(asio::use_awaitable));
  if (hec) co_return Answered{};
  co_return co_await Exchange(secure, p.request);
}

}  // namespace

WebhookDelivery::WebhookDelivery(Store& store, WebhookService& webhooks,
                                 const WebhookSettings& settings, const Clock& clock,
                                 std::string user_agent)
    : store_(store),
      webhooks_(webhooks),
      settings_(settings),
      clock_(clock),
      user_agent_(std::move(user_agent)),
      node_("node_" + RandomBase62(16)) {}

WebhookDelivery::~WebhookDelivery() {
  Stop();
}

size_t WebhookDelivery::RunOnce() {
  const int64_t now = clock_.NowUnix();
  const int64_t timeout_s = (settings_.timeout_ms + 999) / 1000;
  // Long enough for every attempt of the batch (they run together, each bounded by the timeout)
  // with a margin: a lease that ran out while its attempt was still in flight would let a second
  // node make it too. Short enough that an attempt cut off by a crash is made again soon.
  const int64_t lease_until = now + 2 * timeout_s + 5;
  auto due = store_.LeaseDueDeliveries(node_, now, lease_until, kBatch);
  if (!due.ok()) {
    spdlog::warn("webhooks: could not lease deliveries: {}", due.error().ForLog());
    return 0;
  }
  if (due->empty()) return 0;

  std::unique_ptr<ssl::context> tls;
  asio::io_context ioc;
  std::vector<std::optional<Answered>> answers(due->size());
  std::vector<Prepared> prepared(due->size());
  std::vector<int64_t> started_ms(due->size(), 0), took_ms(due->size(), 0);
  const auto timeout = std::chrono::milliseconds(settings_.timeout_ms);
  for (size_t i = 0; i < due->size(); ++i) {
    const DueDelivery& job = (*due)[i];
    if (stopping_.load()) {
      (void)store_.ReleaseDelivery(job.delivery.id, node_);
      continue;
    }
    auto target = ParseWebhookUrl(job.endpoint.url, settings_);
    std::optional<std::string> secret = webhooks_.SecretOf(job.endpoint);
    if (!target.ok() || !secret) {
      answers[i] = Answered{};  // refused before any request: a failed attempt
      if (!secret) spdlog::warn("webhooks: cannot unseal the secret of {}", job.endpoint.id);
      continue;
    }
    const auto t0 = Clock_::now();
    auto addresses = ResolveWebhookTarget(*target, settings_);  // at every attempt
    if (!addresses.ok()) {
      answers[i] = Answered{};
      took_ms[i] =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - t0).count();
      continue;
    }
    Prepared& p = prepared[i];
    p.target = *target;
    for (const IpAddress& ip : *addresses) {
      boost::system::error_code ec;
      auto address = asio::ip::make_address(IpText(ip), ec);
      if (!ec) p.endpoints.emplace_back(address, target->port);
    }
    const std::string body = boost::json::serialize(EventObject(job.event));
    const std::string t = std::to_string(clock_.NowUnix());
    p.request = http::request<http::string_body>(http::verb::post, target->target, 11);
    p.request.set(http::field::host, HostHeader(*target));
    p.request.set(http::field::user_agent, user_agent_);
    p.request.set(http::field::content_type, "application/json");
    p.request.set("Keyward-Signature", "t=" + t + ",v1=" + HmacSha256Hex(*secret, t + "." + body));
    p.request.set("Keyward-Event-Id", job.event.id);
    p.request.set("Keyward-Event-Type", job.event.type);
    p.request.set(http::field::connection, "close");
    p.request.body() = body;
    p.request.prepare_payload();
    if (target->https && !tls) {
      tls = std::make_unique<ssl::context>(ssl::context::tls_client);
      tls->set_default_verify_paths();
      tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    }
    asio::co_spawn(
        ioc, Send(p, tls.get(), timeout),
        [&answers, &took_ms, i, t0](std::exception_ptr error, Answered a) {
          took_ms[i] =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - t0).count();
          answers[i] = error ? Answered{} : a;
        });
  }
  ioc.run();

  size_t made = 0;
  const auto& schedule = settings_.retry_schedule_seconds;
  for (size_t i = 0; i < due->size(); ++i) {
    if (!answers[i]) continue;  // released
    const DueDelivery& job = (*due)[i];
    AttemptOutcome o;
    o.succeeded = answers[i]->succeeded;
    o.response_status = answers[i]->status;
    o.duration_ms = took_ms[i];
    o.attempted_at = clock_.NowUnix();
    if (!o.succeeded && static_cast<size_t>(job.delivery.attempt) <= schedule.size()) {
      o.retry_at = o.attempted_at + schedule[job.delivery.attempt - 1];
    }
    o.disable_if_failing_since = o.attempted_at - settings_.disable_after_seconds;
    auto done = store_.CompleteDelivery(job.delivery.id, node_, o, webhooks_.DisabledEvent());
    if (!done.ok()) {
      spdlog::warn("webhooks: could not record attempt {} of {}: {}", job.delivery.attempt,
                   job.delivery.id, done.error().ForLog());
    } else if (!*done) {
      spdlog::warn("webhooks: lost the lease of {} during its attempt", job.delivery.id);
    }
    ++made;
  }
  return made;
}

void WebhookDelivery::Loop() {
  for (;;) {
    {
      MutexLock lock(mu_);
      if (stop_) return;
    }
    if (RunOnce() > 0) continue;  // more may be due: go again at once
    MutexLock lock(mu_);
    cv_.WaitFor(mu_, std::chrono::milliseconds(settings_.poll_interval_ms),
                [this]() REQUIRES(mu_) { return stop_; });
  }
}

void WebhookDelivery::Start() {
  MutexLock lock(mu_);
  if (!threads_.empty() || stop_) return;
  for (int i = 0; i < std::max(1, settings_.workers); ++i)
    threads_.emplace_back([this] { Loop(); });
}

void WebhookDelivery::Stop() {
  stopping_.store(true);
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace keyward
