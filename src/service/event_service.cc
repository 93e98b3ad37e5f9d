#include "service/event_service.h"

#include "core/ids.h"
#include "core/permissions.h"
#include "service/event_types.h"

namespace keyward {

Result<std::optional<std::string>> EventService::Scope(const Principal& who) const {
  switch (who.kind) {
    case Principal::Kind::kAdmin:
      if (who.account_id.empty()) return std::optional<std::string>();
      return std::optional<std::string>(who.account_id);
    case Principal::Kind::kSession:
      return std::optional<std::string>(who.account_id);
    case Principal::Kind::kKey: {
      const KeyRecord& key = *who.key;
      if (key.kind != CredentialKind::kApiKey || key.sandbox) {
        return Error(ErrorCode::kForbidden,
                     "Only an account's secret or restricted keys read events.");
      }
      if (key.type == KeyType::kPublishable) {
        return Error(ErrorCode::kForbidden, "Publishable keys may not read events.");
      }
      if (key.type == KeyType::kRestricted && !AnyGrants(key.permissions, "events:read")) {
        return Error(ErrorCode::kForbidden, "This key lacks the permission events:read.");
      }
      return std::optional<std::string>(who.account_id);
    }
  }
  return Error(ErrorCode::kForbidden, "This credential may not read events.");
}

Result<Page<EventRow>> EventService::List(const Principal& who, const EventQuery& query) {
  auto scope = Scope(who);
  if (!scope.ok()) return scope.error();
  if (!query.type.empty() && !IsValidEventPattern(query.type, /*allow_star=*/false)) {
    return InvalidRequest("type must be an event type, or a prefix such as token.*.", "type");
  }
  EventFilter filter;
  filter.type = query.type;
  filter.created_gte = query.created_gte;
  filter.created_lt = query.created_lt;
  filter.account_id = *scope;
  if (!query.account.empty()) {
    if (!IsValidId(query.account, kAccountIdPrefix)) {
      return InvalidRequest("account must be an account id.", "account");
    }
    if (*scope && **scope != query.account) return Error(ErrorCode::kNotFound, "No such account.");
    filter.account_id = query.account;
  }
  return store_.ListEvents(filter, query.list);
}

Result<EventRow> EventService::Get(const Principal& who, std::string_view id) {
  auto scope = Scope(who);
  if (!scope.ok()) return scope.error();
  if (!IsValidId(id, kEventIdPrefix)) return Error(ErrorCode::kNotFound, "No such event.");
  auto row = store_.GetEvent(id, *scope);
  if (!row.ok()) return row.error();
  if (!*row) return Error(ErrorCode::kNotFound, "No such event.");
  return std::move(**row);
}

}  // namespace keyward
