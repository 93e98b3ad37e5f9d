// The route tests' fixture and checks: see route_test.h.
#include "route_test.h"

#include <cctype>
#include <regex>
#include <set>
#include <stdexcept>

#include "core/base62.h"
#include "core/crc32.h"

namespace keyward::api_test {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The answer's header fields as (name, value) pairs, from the "Name: value\r\n" block.
Headers FieldsOf(const Answer& a) {
  Headers out;
  std::string_view h = a.response.headers;
  while (!h.empty()) {
    const size_t eol = h.find("\r\n");
    std::string_view line = h.substr(0, eol);
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      out.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    if (eol == std::string_view::npos) break;
    h.remove_prefix(eol + 2);
  }
  return out;
}

}  // namespace

std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

std::string WellFormedKey(std::string_view prefix) {
  static uint64_t n = 0x5eed;
  std::string key = std::string(prefix) + EncodeBase62Fixed(++n * 0x9E3779B97F4A7C15ull, 32);
  return key + EncodeBase62Fixed(Crc32(key), 6);
}

Headers Admin(const std::string& admin_key) {
  return {{"x-api-key", admin_key}};
}
Headers AdminFor(const std::string& admin_key, const std::string& account) {
  return {{"x-api-key", admin_key}, {"Keyward-Account", account}};
}
Headers ApiKey(const std::string& key) {
  return {{"x-api-key", key}};
}
Headers Bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}
Headers Join(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::optional<std::string> HeaderOf(const Answer& a, std::string_view name) {
  for (const auto& [k, v] : FieldsOf(a)) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

size_t HeaderCount(const Answer& a, std::string_view name) {
  size_t n = 0;
  for (const auto& [k, v] : FieldsOf(a)) n += IEquals(k, name) ? 1 : 0;
  return n;
}

std::string Describe(const Answer& a) {
  std::string out =
      "HTTP " + std::to_string(a.response.status) + " [" + a.response.content_type + "; ";
  for (const auto& [k, v] : FieldsOf(a)) out += k + ": " + v + "; ";
  return out + "] body: " + a.response.body.substr(0, 2000);
}

boost::json::object BodyOf(const Answer& a) {
  boost::system::error_code ec;
  auto v = boost::json::parse(a.response.body, ec);
  if (ec || !v.is_object()) throw std::runtime_error("body is not a JSON object: " + Describe(a));
  return v.as_object();
}

::testing::AssertionResult IsError(const Answer& a, int status, std::string_view code,
                                   std::optional<std::string_view> param) {
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure()
           << "expected " << status << " " << code
           << (param ? " param=" + std::string(*param) : std::string()) << ": " << what
           << "\n  got " << Describe(a);
  };
  if (a.response.status != status) return fail("wrong status");
  if (a.response.content_type.find("application/json") == std::string::npos) {
    return fail("Content-Type is not application/json");
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(a.response.body, ec);
  if (ec || !v.is_object()) return fail("body is not a JSON object");
  const auto& o = v.as_object();
  if (o.size() != 1 || !o.contains("error") || !o.at("error").is_object()) {
    return fail("body must be exactly {\"error\": {...}}");
  }
  const auto& e = o.at("error").as_object();
  for (const auto& kv : e) {
    const std::string_view k = kv.key();
    if (k != "status" && k != "code" && k != "message" && k != "request_id" && k != "param") {
      return fail("unexpected member error." + std::string(k));
    }
  }
  for (const char* k : {"status", "code", "message", "request_id"}) {
    if (!e.contains(k)) return fail(std::string("missing error.") + k);
  }
  if (!e.at("status").is_int64() || e.at("status").as_int64() != status) {
    return fail("error.status differs");
  }
  if (!e.at("code").is_string() || e.at("code").as_string() != code) {
    return fail("error.code differs");
  }
  if (!e.at("message").is_string() || e.at("message").as_string().empty()) {
    return fail("error.message empty");
  }
  if (!e.at("request_id").is_string() || e.at("request_id").as_string() != a.request_id) {
    return fail("error.request_id is not the request's id");
  }
  if (e.contains("param") && !e.at("param").is_string()) return fail("error.param not a string");
  if (param) {
    if (!e.contains("param")) return fail("error.param missing");
    if (e.at("param").as_string() != *param) return fail("error.param differs");
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOk(const Answer& a) {
  if (a.response.status != 200) {
    return ::testing::AssertionFailure() << "expected 200, got " << Describe(a);
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(a.response.body, ec);
  if (ec || !v.is_object()) {
    return ::testing::AssertionFailure() << "body is not a JSON object: " << Describe(a);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult HasRateLimitHeaders(const Answer& a) {
  for (const char* h : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                        "RateLimit-Policy", "RateLimit"}) {
    if (HeaderCount(a, h) != 1) {
      return ::testing::AssertionFailure() << h << " not exactly once in " << Describe(a);
    }
  }
  return ::testing::AssertionSuccess();
}

Answer RouteTest::Call(std::string method, std::string target, Headers headers, std::string body) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return env_.Call(r);
}

Answer RouteTest::Get(std::string target, Headers headers) {
  return Call("GET", std::move(target), std::move(headers));
}

Answer RouteTest::Post(std::string target, const boost::json::value& body, Headers headers) {
  return Call("POST", std::move(target), std::move(headers), boost::json::serialize(body));
}

Answer RouteTest::PostRaw(std::string target, std::string body, Headers headers) {
  return Call("POST", std::move(target), std::move(headers), std::move(body));
}

Answer RouteTest::Delete(std::string target, Headers headers) {
  return Call("DELETE", std::move(target), std::move(headers));
}

std::string RouteTest::NewAccount(boost::json::object body) {
  if (!body.contains("email"))
    body["email"] = "user" + std::to_string(++accounts_) + "@example.com";
  Answer a = Post("/v1/accounts", body, Admin(admin()));
  if (a.status() != 200) throw std::runtime_error("NewAccount: " + Describe(a));
  return std::string(BodyOf(a).at("id").as_string());
}

CreatedKey RouteTest::NewKey(const Headers& auth, boost::json::object body) {
  if (!body.contains("name")) body["name"] = "test key";
  Answer a = Post("/v1/tokens", body, auth);
  if (a.status() != 200) throw std::runtime_error("NewKey: " + Describe(a));
  CreatedKey k;
  k.token = BodyOf(a);
  k.id = std::string(k.token.at("id").as_string());
  k.key = std::string(k.token.at("key").as_string());
  return k;
}

CreatedKey RouteTest::NewSecretKey(std::string* account) {
  std::string id = NewAccount();
  if (account) *account = id;
  return NewKey(AdminFor(admin(), id));
}

void RouteTest::Revoke(const std::string& account, const std::string& token_id) {
  Answer a =
      Post("/v1/tokens/" + token_id + "/revoke", boost::json::object{}, AdminFor(admin(), account));
  if (a.status() != 200) throw std::runtime_error("Revoke: " + Describe(a));
}

}  // namespace keyward::api_test
