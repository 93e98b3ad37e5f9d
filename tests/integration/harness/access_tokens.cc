// Access-token calls and header/ISO-8601 helpers: see access_tokens.h.
#include "harness/access_tokens.h"

#include <ctime>
#include <regex>
#include <stdexcept>

#include "harness/json_checks.h"
#include "harness/strings.h"

namespace keyward_it {

std::optional<int64_t> ParseIsoUtc(std::string_view text) {
  static const std::regex kIso(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z)");
  std::smatch m;
  std::string s(text);
  if (!std::regex_match(s, m, kIso)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(::timegm(&tm));
}

MintedToken MintAccessToken(HttpClient& c, const Headers& auth,
                            std::optional<int64_t> expiry_minutes) {
  boost::json::object body;
  if (expiry_minutes) body["expiry_minutes"] = *expiry_minutes;
  Response r = c.Post("/v1/token", body, auth);
  if (r.status != 200) throw std::runtime_error("MintAccessToken: " + Describe(r));
  MintedToken t;
  t.body = r.object();
  if (!t.body.contains("access_token") || !t.body.at("access_token").is_string() ||
      !t.body.contains("expires_at") || !t.body.at("expires_at").is_string()) {
    throw std::runtime_error("MintAccessToken: no access_token/expires_at string in " +
                             Describe(r));
  }
  t.token = AsString(t.body.at("access_token"));
  t.expires_at = AsString(t.body.at("expires_at"));
  auto unix = ParseIsoUtc(t.expires_at);
  if (!unix)
    throw std::runtime_error("MintAccessToken: expires_at is not YYYY-MM-DDTHH:MM:SSZ: " +
                             Describe(r));
  t.expires_unix = *unix;
  return t;
}

Response CheckAccessToken(HttpClient& c, const Headers& auth, const std::string& token) {
  return c.Post("/v1/token/verify", boost::json::object{{"access_token", token}}, auth);
}

bool HeaderTrue(const std::optional<std::string>& v) {
  return v && (*v == "true" || *v == "1");
}
bool HeaderFalse(const std::optional<std::string>& v) {
  return v && (*v == "false" || *v == "0");
}

std::set<std::string> PermissionSet(const std::string& header) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    std::string part = Trim(std::string_view(header).substr(start, comma - start));
    if (!part.empty()) out.insert(part);
    start = comma + 1;
  }
  return out;
}

}  // namespace keyward_it
