// JSON renderings of the API's objects (API.md 2.3, 7, lists of 1). Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "service/objects.h"
#include "service/verifier.h"
#include "store/event.h"
#include "store/records.h"

namespace keyward {

// TokenObject and AccountObject: service/objects.h (events render the same objects).
// The event object of API.md 13 (event_handlers.cc); `data` is the stored JSON as it is.
boost::json::object EventObject(const EventRow& event);
std::string ListJson(boost::json::array data, bool has_more);
std::string ToJson(const boost::json::object& obj);
// The verdict object of POST /v1/keys/verify (API.md 5).
boost::json::object VerdictObject(const Verdict& v);

}  // namespace keyward
