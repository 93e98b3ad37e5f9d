#include "http/errors.h"

#include <boost/json.hpp>

namespace keyward {

std::string ErrorJson(const Error& error, std::string_view request_id) {
  boost::json::object e;
  e["status"] = error.status();
  e["code"] = Describe(error.code()).code;
  e["message"] = error.message();
  if (!error.param().empty()) e["param"] = error.param();
  e["request_id"] = request_id;
  return boost::json::serialize(e);
}

HttpResponse ErrorResponse(const Error& error, std::string_view request_id,
                           bool credential_missing) {
  HttpResponse res;
  res.status = error.status();
  res.body = "{\"error\":" + ErrorJson(error, request_id) + "}";
  if (error.code() == ErrorCode::kUnauthorized) {
    res.Add("WWW-Authenticate", credential_missing
                                    ? "Bearer realm=\"keyward\""
                                    : "Bearer realm=\"keyward\", error=\"invalid_token\"");
  }
  return res;
}

}  // namespace keyward
