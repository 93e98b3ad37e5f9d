#include "service/event_builder.h"

#include <utility>

#include "core/ids.h"
#include "service/objects.h"

namespace keyward {

EventRow NewEvent(std::string_view type, const EventActor& actor, std::string_view request_id,
                  std::string_view account_id, bool livemode, int64_t now, std::string data) {
  EventRow e;
  e.id = NewId(kEventIdPrefix);
  e.type = std::string(type);
  e.created = now;
  e.account_id = std::string(account_id);
  e.livemode = livemode;
  e.request_id = std::string(request_id);
  e.actor = actor;
  e.data = std::move(data);
  return e;
}

EventRow NewEvent(std::string_view type, const Principal& who, std::string_view account_id,
                  bool livemode, int64_t now, std::string data) {
  return NewEvent(type, who.actor, who.request_id, account_id, livemode, now, std::move(data));
}

std::string EventData(const boost::json::object& after, const boost::json::object* before,
                      const boost::json::object& extra) {
  boost::json::object data;
  data["object"] = after;
  if (before) {
    boost::json::object previous;
    for (const auto& field : *before) {
      const boost::json::value* now = after.if_contains(field.key());
      if (!now || *now != field.value()) previous[field.key()] = field.value();
    }
    data["previous_attributes"] = std::move(previous);
  }
  for (const auto& field : extra) data[field.key()] = field.value();
  return boost::json::serialize(data);
}

EventFor<TokenRow> TokenEvent(std::string_view type, const Principal& who, const Clock& clock) {
  return [type = std::string(type), actor = who.actor, request = who.request_id, &clock](
             const TokenRow* before, const TokenRow& after) {
    const int64_t now = clock.NowUnix();
    boost::json::object prev;
    if (before) prev = TokenObject(*before, now);
    return NewEvent(type, actor, request, after.account_id, after.livemode, now,
                    EventData(TokenObject(after, now), before ? &prev : nullptr));
  };
}

EventFor<AccountRow> AccountEvent(std::string_view type, const Principal& who, const Clock& clock) {
  return [type = std::string(type), actor = who.actor, request = who.request_id, &clock](
             const AccountRow* before, const AccountRow& after) {
    boost::json::object prev;
    if (before) prev = AccountObject(*before);
    return NewEvent(type, actor, request, after.id, true, clock.NowUnix(),
                    EventData(AccountObject(after), before ? &prev : nullptr));
  };
}

EventFor<AdminKeyRow> AdminKeyEvent(const EventActor& actor, const Clock& clock) {
  return [actor, &clock](const AdminKeyRow*, const AdminKeyRow& after) {
    return NewEvent("admin_key.created", actor, {}, {}, true, clock.NowUnix(),
                    EventData(AdminKeyObject(after), nullptr));
  };
}

EventFor<TokenRow> RolledEvent(const Principal& who, const Clock& clock) {
  return [actor = who.actor, request = who.request_id, &clock](const TokenRow* old,
                                                               const TokenRow& replacement) {
    const int64_t now = clock.NowUnix();
    boost::json::object extra;
    extra["rolled_from"] = old ? boost::json::value(old->id) : boost::json::value(nullptr);
    return NewEvent("token.rolled", actor, request, replacement.account_id, replacement.livemode,
                    now, EventData(TokenObject(replacement, now), nullptr, extra));
  };
}

EventFor<PlanRow> PlanEvent(std::string_view type, const EventActor& actor,
                            std::string_view request_id, const Clock& clock) {
  return [type = std::string(type), actor, request = std::string(request_id), &clock](
             const PlanRow* before, const PlanRow& after) {
    boost::json::object prev;
    if (before) prev = PlanObject(*before);
    return NewEvent(type, actor, request, {}, true, clock.NowUnix(),
                    EventData(PlanObject(after), before ? &prev : nullptr));
  };
}

EventFor<AccountRow> RefilledEvent(const Clock& clock) {
  return [&clock](const AccountRow* before, const AccountRow& after) {
    boost::json::object prev;
    if (before) prev = AccountObject(*before);
    return NewEvent("credits.refilled", SystemActor(), {}, after.id, true, clock.NowUnix(),
                    EventData(AccountObject(after), before ? &prev : nullptr));
  };
}

}  // namespace keyward
