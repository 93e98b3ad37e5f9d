// See errors.h.
#include "http/errors.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "http/error_catalogue.h"

namespace keyward {

std::string ErrorJson(const Error& error, std::string_view request_id) {
  boost::json::object e;
  e["status"] = HttpStatus(error.code());
  e["code"] = Describe(error.code()).code;
  // An INTERNAL_ERROR is a bug or an engine failure we did not foresee: whatever text it carries,
  // the client gets the catalogue's sentence (ErrorResponse logs the rest).
  e["message"] = error.code() == ErrorCode::kInternalError
                     ? Describe(ErrorCode::kInternalError).message
                     : std::string_view(error.message());
  if (!error.param().empty()) e["param"] = error.param();
  e["request_id"] = request_id;
  return boost::json::serialize(e);
}

HttpResponse ErrorResponse(const Error& error, std::string_view request_id,
                           bool credential_missing) {
  HttpResponse res;
  res.status = HttpStatus(error.code());
  res.body = "{\"error\":" + ErrorJson(error, request_id) + "}";
  if (error.code() == ErrorCode::kUnauthorized) {
    res.Add("WWW-Authenticate", credential_missing
                                    ? "Bearer realm=\"keyward\""
                                    : "Bearer realm=\"keyward\", error=\"invalid_token\"");
  }
  if (error.code() == ErrorCode::kUnavailable) {
    res.Add("Retry-After", std::to_string(kUnavailableRetryAfterSeconds));
  }
  if (res.status >= 500) {
    spdlog::warn("request {} answered {} {}: {}", LogSafeText(request_id), res.status,
                 Describe(error.code()).code, LogSafeText(error.ForLog()));
  }
  return res;
}

std::string LogSafeText(std::string_view text, size_t max_len) {
  std::string out;
  out.reserve(std::min(text.size(), max_len) + 8);
  for (size_t i = 0; i < text.size() && i < max_len; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_len) out += "...";
  return out;
}

}  // namespace keyward
