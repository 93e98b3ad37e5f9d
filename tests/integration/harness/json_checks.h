// Reading and asserting on JSON answers for the integration tests: the exact error shape of
// API.md 1.2 (IsError), JSON accessors that throw std::runtime_error on the wrong type, and the
// wall clock as the server sees it. Pure functions; thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/http_client.h"

namespace keyward_it {

int64_t Now();                                                // Unix seconds
bool Matches(std::string_view text, std::string_view regex);  // whole-string std::regex match

std::set<std::string> Keys(const boost::json::object& o);
bool IsInteger(const boost::json::value& v);
int64_t AsInt(const boost::json::value& v);                        // throws when not an integer
std::string AsString(const boost::json::value& v);                 // throws when not a string
std::vector<std::string> StringList(const boost::json::value& v);  // throws when not [string]

// Checks a complete error response: the status; Content-Type JSON; the body is exactly
// {"error":{"status","code","message","request_id"[,"param"]}} with matching status and code;
// request_id equals X-Request-Id and has the form req_<24 base62>; and, when `param` is given,
// error.param equals it.
::testing::AssertionResult IsError(const Response& r, int status, std::string_view code,
                                   std::optional<std::string_view> param = std::nullopt);
// The same for a 200 response with a JSON object body.
::testing::AssertionResult IsOk(const Response& r);

}  // namespace keyward_it
