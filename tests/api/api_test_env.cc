// Construction of the in-process environment: see api_test_env.h.
#include "api_test_env.h"

#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <stdexcept>

#include "core/cidr.h"
#include "http/api.h"
#include "service/services.h"
#include "store/store.h"

namespace keyward::api_test {
namespace {

// A header block with case-insensitive lookup, as Beast's fields offer the server.
class HeaderList final : public HeaderSource {
 public:
  explicit HeaderList(const Headers& headers) : headers_(headers) {}
  std::optional<std::string_view> Get(std::string_view name) const override {
    for (const auto& [k, v] : headers_) {
      if (k.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < k.size() && same; ++i) {
        same = std::tolower(static_cast<unsigned char>(k[i])) ==
               std::tolower(static_cast<unsigned char>(name[i]));
      }
      if (same) return std::string_view(v);
    }
    return std::nullopt;
  }

 private:
  const Headers& headers_;
};

std::vector<Cidr> Loopback() {
  return {*Cidr::Parse("127.0.0.1/32"), *Cidr::Parse("::1/128")};
}

// "req_" + 24 base62 characters, distinct per call.
std::string RequestId(uint64_t n) {
  static constexpr std::string_view kBase62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string id = "req_";
  std::string digits(24, '0');
  for (size_t i = digits.size(); i-- > 0 && n > 0;) {
    digits[i] = kBase62[n % 62];
    n /= 62;
  }
  return id + digits;
}

}  // namespace

ApiTestEnv::ApiTestEnv(EnvOptions options) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-api-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;

  auto store = OpenStore("sqlite://" + dir_ + "/keyward.db?synchronous=normal");
  if (!store.ok()) throw std::runtime_error("OpenStore: " + store.error().message());
  services_ = std::make_unique<Services>(std::move(*store), std::move(options.service), clock_);
  if (Status st = services_->LoadIndex(); !st.ok()) {
    throw std::runtime_error("LoadIndex: " + st.error().message());
  }
  ApiSettings api_settings;
  api_settings.trusted_proxies = Loopback();
  api_settings.verifier_allow_from =
      options.loopback_only_verifier ? Loopback() : std::vector<Cidr>{};
  api_settings.auth_failures_per_minute = options.auth_failures_per_minute;
  api_ = std::make_unique<Api>(*services_, std::move(api_settings));
  admin_key_ = NewAdminKey();
}

ApiTestEnv::~ApiTestEnv() {
  api_.reset();
  if (services_) services_->Shutdown();
  services_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string ApiTestEnv::NewAdminKey() {
  auto key = services_->admin_keys().Create("api test admin key");
  if (!key.ok()) throw std::runtime_error("admin key: " + key.error().message());
  return *key;
}

bool ApiTestEnv::ClaimIdempotencyKey(std::string_view scope, std::string_view key,
                                     std::string_view method, std::string_view target,
                                     std::string_view body) {
  auto start = services_->idempotency().Begin(
      scope, key, IdempotencyService::Fingerprint(method, target, body));
  return start.ok() && start->outcome == IdempotencyOutcome::kProceed;
}

Answer ApiTestEnv::Call(const Request& request) {
  Answer answer;
  answer.request_id = RequestId(++next_request_);
  HeaderList headers(request.headers);
  HttpRequest req;
  req.method = request.method;
  req.target = request.target;
  const size_t q = request.target.find('?');
  req.path = std::string_view(request.target).substr(0, q);
  req.query =
      q == std::string::npos ? std::string_view() : std::string_view(request.target).substr(q + 1);
  req.body = request.body;
  req.headers = &headers;
  auto peer = ParseIp(request.peer);
  if (!peer) throw std::runtime_error("not an IP address: " + request.peer);
  req.peer = *peer;
  req.peer_text = request.peer;
  req.tls = request.tls;
  req.request_id = answer.request_id;
  answer.response = api_->Handle(req);
  return answer;
}

}  // namespace keyward::api_test
