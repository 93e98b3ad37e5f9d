// JSON renderings of the API's objects (API.md 2.3, 7, lists of 1). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "service/verifier.h"
#include "store/records.h"

namespace keyward {

boost::json::object TokenObject(const TokenRow& row, int64_t now_unix);
boost::json::object AccountObject(const AccountRow& row);
std::string ListJson(boost::json::array data, bool has_more);
std::string ToJson(const boost::json::object& obj);
// The verdict object of POST /v1/keys/verify (API.md 5).
boost::json::object VerdictObject(const Verdict& v);

}  // namespace keyward
