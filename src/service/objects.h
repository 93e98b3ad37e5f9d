// JSON renderings of the objects the API answers with and events carry (API.md 2.3, 7, 13): one
// rendering per object, shared by the handlers (http/render.h) and the events the services
// record, so that an event's data.object is exactly what the API would answer. Never a secret:
// keys appear by display prefix, accounts without their password hash. Pure; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstdint>

#include "store/plan.h"
#include "store/records.h"

namespace keyward {

boost::json::object TokenObject(const TokenRow& row, int64_t now_unix);
boost::json::object AccountObject(const AccountRow& row);
// {"id":"adm_…","object":"admin_key","name","key_prefix","last4","created"}.
boost::json::object AdminKeyObject(const AdminKeyRow& row);
// Metadata (API.md 11.1) as a JSON object of strings.
boost::json::object MetadataObject(const Metadata& metadata);
// The plan object of API.md 11.2 (no id: a plan is named).
boost::json::object PlanObject(const PlanRow& row);

}  // namespace keyward
