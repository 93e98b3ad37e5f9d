// Builds the events that the services' writes record (API.md 13; store/event.h says how a write
// records one). An event names its actor, client address and request id from the Principal that
// made the call, and carries in `data.object` the action's primary object rendered exactly as the
// API answers it (service/objects.h) — so never a secret — with `data.previous_attributes` holding
// the top-level fields the change altered, as they were before.
// Thread-safety: pure functions; the EventFor callbacks they return own copies of what they need
// (the clock by reference: it must outlive them).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "service/principal.h"
#include "store/event.h"
#include "store/plan.h"
#include "store/records.h"

namespace keyward {

// A new event (fresh evt_ id) of `type` at `now`, by `actor` during `request_id`, on
// `account_id` (empty = none) in `livemode`, with data `data`.
EventRow NewEvent(std::string_view type, const EventActor& actor, std::string_view request_id,
                  std::string_view account_id, bool livemode, int64_t now, std::string data);
EventRow NewEvent(std::string_view type, const Principal& who, std::string_view account_id,
                  bool livemode, int64_t now, std::string data);

// {"object": after, "previous_attributes": {the fields of `before` whose values differ}} (the
// second only when `before` is given), plus the members of `extra`.
std::string EventData(const boost::json::object& after, const boost::json::object* before,
                      const boost::json::object& extra = {});

// Events whose data.object is the row after the change.
EventFor<TokenRow> TokenEvent(std::string_view type, const Principal& who, const Clock& clock);
EventFor<AccountRow> AccountEvent(std::string_view type, const Principal& who, const Clock& clock);
EventFor<AdminKeyRow> AdminKeyEvent(const EventActor& actor, const Clock& clock);
// token.rolled: data.object is the new token (after), data.rolled_from the old token's id.
EventFor<TokenRow> RolledEvent(const Principal& who, const Clock& clock);

// plan.created / plan.updated (API.md 13): operator-level events (no account), data.object the
// plan.
EventFor<PlanRow> PlanEvent(std::string_view type, const EventActor& actor,
                            std::string_view request_id, const Clock& clock);
// credits.refilled: by the system, data.object the account after the refill.
EventFor<AccountRow> RefilledEvent(const Clock& clock);

// The actors of API.md 13 that no credential stands for.
inline EventActor SystemActor(std::string id = {}) {
  return EventActor{"system", std::move(id), {}};
}
inline EventActor CliActor() {
  return EventActor{"cli", {}, {}};
}

}  // namespace keyward
