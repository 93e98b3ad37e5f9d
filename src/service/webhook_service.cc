#include "service/webhook_service.h"

#include "core/ids.h"
#include "core/random.h"
#include "core/sealed_box.h"
#include "service/event_builder.h"
#include "service/event_types.h"
#include "service/webhook_target.h"

namespace keyward {
namespace {

constexpr std::string_view kEndpointIdPrefix = "we";
constexpr size_t kSecretBodyLength = 32;

boost::json::value OrNull(const std::optional<int64_t>& v) {
  return v ? boost::json::value(*v) : boost::json::value(nullptr);
}

Error NoSuchEndpoint() {
  return Error(ErrorCode::kNotFound, "No such webhook endpoint.");
}

}  // namespace

boost::json::object WebhookEndpointObject(const WebhookEndpointRow& row) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "webhook_endpoint";
  o["url"] = row.url;
  o["description"] = row.description;
  boost::json::array events;
  for (const std::string& e : row.enabled_events) events.emplace_back(e);
  o["enabled_events"] = std::move(events);
  o["status"] = row.enabled ? "enabled" : "disabled";
  const std::string& account =
      row.owner_account_id.empty() ? row.account_filter : row.owner_account_id;
  o["account"] = account.empty() ? boost::json::value(nullptr) : boost::json::value(account);
  o["created"] = row.created;
  return o;
}

boost::json::object WebhookDeliveryObject(const WebhookDeliveryRow& row) {
  boost::json::object o;
  o["id"] = row.id;
  o["object"] = "webhook_delivery";
  o["event"] = row.event_id;
  o["endpoint"] = row.endpoint_id;
  o["attempt"] = row.attempt;
  o["status"] = DeliveryStatusName(row.status);
  o["response_status"] = OrNull(row.response_status);
  o["duration_ms"] = OrNull(row.duration_ms);
  o["next_attempt_at"] = OrNull(row.next_attempt_at);
  o["created"] = row.created;
  return o;
}

WebhookService::WebhookService(Store& store, const WebhookSettings& settings, const Clock& clock)
    : store_(store), settings_(settings), clock_(clock) {}

Result<std::string> WebhookService::Owner(const Principal& who) const {
  switch (who.kind) {
    case Principal::Kind::kAdmin:
      return std::string();
    case Principal::Kind::kSession:
      break;
    case Principal::Kind::kKey:
      if (who.key->kind != CredentialKind::kApiKey || who.key->sandbox ||
          who.key->type != KeyType::kSecret) {
        return Error(ErrorCode::kForbidden,
                     "Only admin keys, secret keys and dashboard sessions manage webhooks.");
      }
      break;
  }
  if (!settings_.allow_account_endpoints) {
    return Error(ErrorCode::kForbidden,
                 "Webhook endpoints are managed by the operator on this server "
                 "(webhooks.allow_account_endpoints is false).");
  }
  return who.account_id;
}

Status WebhookService::CheckUrl(const std::string& url) const {
  auto target = ParseWebhookUrl(url, settings_);
  if (!target.ok()) return target.error();
  auto addresses = ResolveWebhookTarget(*target, settings_);
  if (!addresses.ok()) return addresses.error();
  return Status::Ok();
}

Status WebhookService::CheckEvents(const std::vector<std::string>& events) const {
  if (events.empty() || events.size() > kMaxEnabledEvents) {
    return InvalidRequest("enabled_events must list 1 to 100 event types.", "enabled_events");
  }
  for (const std::string& e : events) {
    if (!IsValidEventPattern(e, /*allow_star=*/true)) {
      return InvalidRequest("enabled_events holds an unknown event type: " + e.substr(0, 64) + ".",
                            "enabled_events");
    }
  }
  return Status::Ok();
}

Result<std::string> WebhookService::NewSealedSecret(std::string* plaintext) const {
  *plaintext = "whsec_" + RandomBase62(kSecretBodyLength);
  auto sealed = Seal(settings_.seal_key, *plaintext);
  if (!sealed) {
    return Error(ErrorCode::kInternalError, "webhooks: no seal key to keep secrets with");
  }
  return *sealed;
}

std::optional<std::string> WebhookService::SecretOf(const WebhookEndpointRow& row) const {
  return Unseal(settings_.seal_key, row.secret);
}

EventFor<WebhookEndpointRow> WebhookService::Event(std::string type, const Principal& who) const {
  return [type = std::move(type), actor = who.actor, request = who.request_id, this](
             const WebhookEndpointRow* before, const WebhookEndpointRow& after) {
    boost::json::object prev;
    if (before) prev = WebhookEndpointObject(*before);
    const bool with_previous = before && type == "webhook_endpoint.updated";
    return NewEvent(type, actor, request,
                    after.owner_account_id.empty() ? after.account_filter : after.owner_account_id,
                    true, clock_.NowUnix(),
                    EventData(WebhookEndpointObject(after), with_previous ? &prev : nullptr));
  };
}

EventFor<WebhookEndpointRow> WebhookService::DisabledEvent() const {
  Principal system = Principal::Admin({});
  system.actor = SystemActor();
  return Event("webhook_endpoint.disabled", system);
}

Result<CreatedEndpoint> WebhookService::Create(const Principal& who,
                                               const WebhookEndpointParams& p) {
  auto owner = Owner(who);
  if (!owner.ok()) return owner.error();
  if (!p.url) return InvalidRequest("Missing required field: url.", "url");
  if (!p.enabled_events) {
    return InvalidRequest("Missing required field: enabled_events.", "enabled_events");
  }
  if (Status st = CheckEvents(*p.enabled_events); !st.ok()) return st.error();
  if (p.description && p.description->size() > kMaxWebhookDescriptionLength) {
    return InvalidRequest("description must be at most 500 characters.", "description");
  }
  if (p.status) return InvalidRequest("status is set by an update, not at creation.", "status");
  CreatedEndpoint out;
  WebhookEndpointRow& row = out.row;
  if (p.account) {
    if (!owner->empty()) {
      return InvalidRequest("account is for operator endpoints only.", "account");
    }
    if (!IsValidId(*p.account, kAccountIdPrefix)) {
      return InvalidRequest("account must be an account id.", "account");
    }
    auto account = store_.GetAccount(*p.account);
    if (!account.ok()) return account.error();
    if (!*account) return InvalidRequest("No such account.", "account");
    row.account_filter = *p.account;
  }
  if (Status st = CheckUrl(*p.url); !st.ok()) return st.error();
  auto sealed = NewSealedSecret(&out.secret);
  if (!sealed.ok()) return sealed.error();
  row.id = NewId(kEndpointIdPrefix);
  row.owner_account_id = *owner;
  row.url = *p.url;
  row.description = p.description.value_or("");
  row.enabled_events = *p.enabled_events;
  row.enabled = true;
  row.secret = *sealed;
  row.created = clock_.NowUnix();
  if (Status st = store_.CreateWebhookEndpoint(row, Event("webhook_endpoint.created", who));
      !st.ok()) {
    return st.error();
  }
  return out;
}

Result<Page<WebhookEndpointRow>> WebhookService::List(const Principal& who,
                                                      const ListOptions& options) {
  auto owner = Owner(who);
  if (!owner.ok()) return owner.error();
  return store_.ListWebhookEndpoints(*owner, options);
}

Result<WebhookEndpointRow> WebhookService::Get(const Principal& who, std::string_view id) {
  auto owner = Owner(who);
  if (!owner.ok()) return owner.error();
  if (!IsValidId(id, kEndpointIdPrefix)) return NoSuchEndpoint();
  auto row = store_.GetWebhookEndpoint(id);
  if (!row.ok()) return row.error();
  // The operator sees every endpoint; an account only its own.
  if (!*row || (!owner->empty() && (*row)->owner_account_id != *owner)) return NoSuchEndpoint();
  return std::move(**row);
}

Result<WebhookEndpointRow> WebhookService::Update(const Principal& who, std::string_view id,
                                                  const WebhookEndpointParams& p) {
  auto current = Get(who, id);
  if (!current.ok()) return current.error();
  WebhookEndpointRow row = *current;
  if (p.account)
    return InvalidRequest("account cannot be changed; create another endpoint.", "account");
  if (p.enabled_events) {
    if (Status st = CheckEvents(*p.enabled_events); !st.ok()) return st.error();
    row.enabled_events = *p.enabled_events;
  }
  if (p.description) {
    if (p.description->size() > kMaxWebhookDescriptionLength) {
      return InvalidRequest("description must be at most 500 characters.", "description");
    }
    row.description = *p.description;
  }
  if (p.status) {
    if (*p.status != "enabled" && *p.status != "disabled") {
      return InvalidRequest("status must be enabled or disabled.", "status");
    }
    const bool enable = *p.status == "enabled";
    if (enable && !row.enabled) row.failing_since.reset();  // a fresh start
    row.enabled = enable;
  }
  if (p.url) {
    if (Status st = CheckUrl(*p.url); !st.ok()) return st.error();
    row.url = *p.url;
  }
  auto after = store_.UpdateWebhookEndpoint(row, Event("webhook_endpoint.updated", who));
  if (!after.ok()) return after.error();
  if (!*after) return NoSuchEndpoint();
  return std::move(**after);
}

Result<WebhookEndpointRow> WebhookService::Delete(const Principal& who, std::string_view id) {
  auto current = Get(who, id);
  if (!current.ok()) return current.error();
  auto deleted = store_.DeleteWebhookEndpoint(current->id, Event("webhook_endpoint.deleted", who));
  if (!deleted.ok()) return deleted.error();
  if (!*deleted) return NoSuchEndpoint();
  return *current;
}

Result<CreatedEndpoint> WebhookService::RollSecret(const Principal& who, std::string_view id) {
  auto current = Get(who, id);
  if (!current.ok()) return current.error();
  CreatedEndpoint out;
  auto sealed = NewSealedSecret(&out.secret);
  if (!sealed.ok()) return sealed.error();
  WebhookEndpointRow row = *current;
  row.secret = *sealed;
  auto after = store_.UpdateWebhookEndpoint(row, Event("webhook_endpoint.updated", who));
  if (!after.ok()) return after.error();
  if (!*after) return NoSuchEndpoint();
  out.row = std::move(**after);
  return out;
}

Result<Page<WebhookDeliveryRow>> WebhookService::Deliveries(const Principal& who,
                                                            std::string_view id,
                                                            const ListOptions& options) {
  auto current = Get(who, id);
  if (!current.ok()) return current.error();
  return store_.ListWebhookDeliveries(current->id, options);
}

}  // namespace keyward
