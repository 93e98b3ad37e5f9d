// Every JSON request body: the strict reader (JsonBody) directly, and then the same bytes as the
// body of each POST route, through the real handlers, as the admin or as the account's key.
// Input: "<selector byte><body>"; the selector picks the route and the caller. Whatever the body,
// the answer is a 2xx or a 4xx error, never a 5xx (which would mean input reached a fault).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_api.h"
#include "http/json_body.h"

namespace {

class Headers final : public keyward::HeaderSource {
 public:
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::string_view> Get(std::string_view name) const override {
    for (const auto& [k, v] : fields) {
      if (k.size() == name.size() &&
          std::equal(k.begin(), k.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return std::string_view(v);
      }
    }
    return std::nullopt;
  }
};

void ReadFields(const keyward::JsonBody& body) {
  for (const char* name : {"name", "email", "type", "permissions", "expires_at", "credits",
                           "livemode", "key", "amount", "expiry_minutes"}) {
    (void)body.String(name);
    (void)body.Int(name);
    (void)body.Bool(name);
    (void)body.StringArray(name);
    (void)body.RequiredString(name);
  }
  (void)body.OnlyFields({"name", "email"});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  keyward::fuzz::FuzzApi& f = keyward::fuzz::Instance();
  const std::string body =
      f.Substitute(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  if (auto parsed = keyward::JsonBody::Parse(body, (data[0] & 0x80) != 0); parsed.ok()) {
    ReadFields(*parsed);
  }

  std::vector<std::string> targets;
  for (const keyward::RouteEntry& r : keyward::Api::Routes()) {
    if (r.method != "POST") continue;
    std::string path(r.pattern);
    if (size_t id = path.find(":id"); id != std::string::npos) {
      path.replace(id, 3, path.starts_with("/v1/accounts") ? f.account_id : f.token_id);
    }
    targets.push_back(path);
  }
  targets.push_back("/v1/auth/things");
  const std::string& target = targets[(data[0] & 0x3f) % targets.size()];

  Headers headers;
  if (data[0] & 0x40) {
    headers.fields = {{"x-api-key", f.secret}};
  } else {
    headers.fields = {{"x-api-key", f.admin}, {"keyward-account", f.account_id}};
  }
  headers.fields.emplace_back("content-type", "application/json");
  keyward::HttpRequest req;
  req.method = "POST";
  req.target = target;
  req.path = target;
  req.body = body;
  req.headers = &headers;
  req.peer = *keyward::ParseIp("127.0.0.1");
  req.peer_text = "127.0.0.1";
  req.request_id = "req_000000000000000000000000";
  keyward::HttpResponse res = f.api->Handle(req);
  if (res.status >= 500) std::abort();
  return 0;
}
