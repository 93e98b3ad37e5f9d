// Assertions on JSON responses: see json_checks.h.
#include "harness/json_checks.h"

#include <time.h>

#include <regex>
#include <stdexcept>

namespace keyward_it {

int64_t Now() {
  // Not time(): glibc answers it from the coarse clock, which may lag the server's clock by a tick.
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

bool Matches(std::string_view text, std::string_view regex) {
  return std::regex_match(std::string(text), std::regex(std::string(regex)));
}

std::set<std::string> Keys(const boost::json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.insert(std::string(kv.key()));
  return out;
}

bool IsInteger(const boost::json::value& v) {
  return v.is_int64() || v.is_uint64();
}

int64_t AsInt(const boost::json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  throw std::runtime_error("expected an integer, got " + boost::json::serialize(v));
}

std::string AsString(const boost::json::value& v) {
  if (!v.is_string())
    throw std::runtime_error("expected a string, got " + boost::json::serialize(v));
  return std::string(v.as_string());
}

std::vector<std::string> StringList(const boost::json::value& v) {
  if (!v.is_array())
    throw std::runtime_error("expected an array, got " + boost::json::serialize(v));
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) out.push_back(AsString(e));
  return out;
}

::testing::AssertionResult IsError(const Response& r, int status, std::string_view code,
                                   std::optional<std::string_view> param) {
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure()
           << "expected " << status << " " << code
           << (param ? " param=" + std::string(*param) : std::string()) << ": " << what
           << "\n  got " << Describe(r);
  };
  if (r.status != status) return fail("wrong status");
  auto ct = r.header("Content-Type");
  if (!ct || ct->find("application/json") == std::string::npos)
    return fail("Content-Type is not application/json");
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return fail("body is not a JSON object");
  const auto& o = v.as_object();
  if (Keys(o) != std::set<std::string>{"error"})
    return fail("body must have exactly one member, \"error\"");
  if (!o.at("error").is_object()) return fail("\"error\" is not an object");
  const auto& e = o.at("error").as_object();
  for (const auto& k : Keys(e)) {
    if (k != "status" && k != "code" && k != "message" && k != "request_id" && k != "param")
      return fail("unexpected member error." + k);
  }
  for (const char* k : {"status", "code", "message", "request_id"}) {
    if (!e.contains(k)) return fail(std::string("missing error.") + k);
  }
  if (!IsInteger(e.at("status")) || AsInt(e.at("status")) != status)
    return fail("error.status differs");
  if (!e.at("code").is_string() || e.at("code").as_string() != code)
    return fail("error.code differs");
  if (!e.at("message").is_string() || e.at("message").as_string().empty())
    return fail("error.message empty");
  if (!e.at("request_id").is_string()) return fail("error.request_id not a string");
  std::string rid(e.at("request_id").as_string());
  if (!Matches(rid, "req_[0-9A-Za-z]{24}")) return fail("request_id is not req_ + 24 base62");
  auto hid = r.header("X-Request-Id");
  if (!hid || *hid != rid) return fail("X-Request-Id header differs from error.request_id");
  if (e.contains("param") && !e.at("param").is_string()) return fail("error.param is not a string");
  if (param) {
    if (!e.contains("param")) return fail("error.param missing");
    if (e.at("param").as_string() != *param) return fail("error.param differs");
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOk(const Response& r) {
  if (r.status != 200) return ::testing::AssertionFailure() << "expected 200, got " << Describe(r);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object())
    return ::testing::AssertionFailure() << "body is not a JSON object: " << Describe(r);
  return ::testing::AssertionSuccess();
}

}  // namespace keyward_it
