// Webhook endpoints (API.md 14): create (the whsec_ secret shown once), list, retrieve, update,
// delete, roll_secret and the deliveries log — with who may own what: admin keys own operator
// endpoints (every account's events, or one account's with `account`); an account's secret key or
// dashboard session may own endpoints for its own account's events only when
// webhooks.allow_account_endpoints (else kForbidden). The secret is kept sealed
// (core/sealed_box.h) under the node's seal key, so that signing works and a copy of the store
// alone does not reveal it. Every write records its event (webhook_endpoint.created / .updated /
// .deleted) in its transaction; the endpoint object in an event never holds the secret.
// Thread-safe.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "service/principal.h"
#include "service/settings.h"
#include "store/store.h"

namespace keyward {

struct WebhookEndpointParams {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> enabled_events;
  std::optional<std::string> description;
  std::optional<std::string> account;  // operator endpoints: only this account's events
  std::optional<std::string> status;   // updates: "enabled" / "disabled"
};

struct CreatedEndpoint {
  WebhookEndpointRow row;
  std::string secret;  // whsec_…, shown once
};

inline constexpr size_t kMaxWebhookDescriptionLength = 500;
inline constexpr size_t kMaxEnabledEvents = 100;

// {"id":"we_…","object":"webhook_endpoint","url","description","enabled_events","status",
//  "account","created"} — never the secret.
boost::json::object WebhookEndpointObject(const WebhookEndpointRow& row);
// {"id":"wd_…","object":"webhook_delivery","event","endpoint","attempt","status",
//  "response_status","duration_ms","next_attempt_at","created"}.
boost::json::object WebhookDeliveryObject(const WebhookDeliveryRow& row);

class WebhookService {
 public:
  WebhookService(Store& store, const WebhookSettings& settings, const Clock& clock);

  // Errors: kForbidden (who may not own endpoints), kInvalidRequest with param (url, including
  // the SSRF refusals; enabled_events; description; account), store errors.
  Result<CreatedEndpoint> Create(const Principal& who, const WebhookEndpointParams& params);
  Result<Page<WebhookEndpointRow>> List(const Principal& who, const ListOptions& options);
  // kNotFound when there is none or it is not the caller's.
  Result<WebhookEndpointRow> Get(const Principal& who, std::string_view id);
  Result<WebhookEndpointRow> Update(const Principal& who, std::string_view id,
                                    const WebhookEndpointParams& params);
  Result<WebhookEndpointRow> Delete(const Principal& who, std::string_view id);
  Result<CreatedEndpoint> RollSecret(const Principal& who, std::string_view id);
  Result<Page<WebhookDeliveryRow>> Deliveries(const Principal& who, std::string_view id,
                                              const ListOptions& options);

  // The plaintext secret of a stored endpoint (for signing); nullopt when it cannot be unsealed
  // (another seal key).
  std::optional<std::string> SecretOf(const WebhookEndpointRow& row) const;
  // webhook_endpoint.disabled by the system (the delivery worker's automatic disabling).
  EventFor<WebhookEndpointRow> DisabledEvent() const;

 private:
  // The owner `who` acts as ("" = the operator), or kForbidden.
  Result<std::string> Owner(const Principal& who) const;
  Status CheckUrl(const std::string& url) const;
  Status CheckEvents(const std::vector<std::string>& events) const;
  Result<std::string> NewSealedSecret(std::string* plaintext) const;
  EventFor<WebhookEndpointRow> Event(std::string type, const Principal& who) const;

  Store& store_;
  const WebhookSettings& settings_;
  const Clock& clock_;
};

}  // namespace keyward
