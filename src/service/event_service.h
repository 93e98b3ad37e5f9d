// Reading the audit log (API.md 13): GET /v1/events and GET /v1/events/:id with their visibility —
// an admin key sees every event (optionally one account's: `?account=`, or its Keyward-Account);
// a secret key, a restricted key with events:read, or a dashboard session sees its own account's
// events only. Publishable keys, access tokens and the sandbox key are refused.
// Thread-safe (stateless beyond its references).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "service/principal.h"
#include "store/store.h"

namespace keyward {

struct EventQuery {
  std::string type;  // exact, "prefix.*", or empty
  std::optional<int64_t> created_gte;
  std::optional<int64_t> created_lt;
  std::string account;  // ?account= (admin keys; others: their own or 404)
  ListOptions list;
};

class EventService {
 public:
  explicit EventService(Store& store) : store_(store) {}

  // Errors: kForbidden (a credential that may not read events), kInvalidRequest (param type,
  // account, starting_after), kNotFound (another account named by a non-admin), store errors.
  Result<Page<EventRow>> List(const Principal& who, const EventQuery& query);
  // kNotFound when there is no such event or the caller may not see it.
  Result<EventRow> Get(const Principal& who, std::string_view id);

 private:
  // The account `who` is confined to (nullopt: every account), or the refusal.
  Result<std::optional<std::string>> Scope(const Principal& who) const;

  Store& store_;
};

}  // namespace keyward
