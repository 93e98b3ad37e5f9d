// Events (API.md 13): the record of one change of state — who made it (actor, client address,
// request id), what it was (type) and the object after it (data, JSON text). Plain values shared
// by the Store and the service layer.
//
// How a write records its event: every mutating Store method that changes state a customer or an
// operator would want to audit takes an `EventFor<Row>`. The store calls it inside the write's
// own transaction, once, with the row as it was before (null for a create) and as the write left
// it, and inserts the EventRow it returns in that same transaction — so there is no change without
// its event and no event without its change. The callback must not touch the store; an empty one
// records nothing (bulk loads, fixtures). A write that changes nothing records nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace keyward {

// Who made a change: "admin_key" (id: the key's display prefix), "token" (tok_…), "session"
// (null, or op_… for an operator), "operator", "agent", "cli" or "system" (null, or e.g.
// "github"). `ip` is the client address, empty when there is none (CLI, system).
struct EventActor {
  std::string type = "system";
  std::string id;  // empty = null
  std::string ip;  // empty = null
};

struct EventRow {
  std::string id;          // evt_…
  std::string type;        // "token.revoked", …
  int64_t created = 0;     // Unix seconds
  std::string account_id;  // empty = null (operator-level events)
  bool livemode = true;
  std::string request_id;  // req_…, empty = null
  EventActor actor;
  std::string data;  // a JSON object: {"object": …, "previous_attributes": …, …}
};

// See the header comment. `before` is null for a create.
template <class Row>
using EventFor = std::function<EventRow(const Row* before, const Row& after)>;

// GET /v1/events filters.
struct EventFilter {
  std::optional<std::string> account_id;  // only this account's events
  std::string type;                       // exact type, or "prefix.*"; empty = every type
  std::optional<int64_t> created_gte;
  std::optional<int64_t> created_lt;
};

}  // namespace keyward
