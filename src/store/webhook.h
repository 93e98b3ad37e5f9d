// Webhooks (API.md 14): the endpoints the operator or an account registered, and the durable
// delivery queue, which is also the deliveries log — one row per attempt: a pending row is an
// attempt still to be made (a job), a succeeded or failed row one that was made. Plain values
// shared by the Store and the service layer.
//
// How events reach the queue: when a store write records an event (store/event.h), the same
// transaction adds one pending delivery (attempt 1, due at once) for every enabled endpoint that
// subscribes to it — an account's endpoint for that account's events, an operator endpoint for
// every account's (or its `account_filter`'s) — so an event is never recorded without its
// deliveries, nor queued without being recorded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/event.h"

namespace keyward {

struct WebhookEndpointRow {
  std::string id;                // we_…
  std::string owner_account_id;  // acct_… of an account's endpoint; empty = the operator's
  std::string account_filter;    // operator endpoints: only this account's events; empty = all
  std::string url;
  std::string description;
  std::vector<std::string> enabled_events;  // types, "prefix.*" or "*"
  bool enabled = true;
  std::string secret;  // the signing secret as the service sealed it (never the plaintext)
  int64_t created = 0;
  // Since when every attempt failed (cleared by a success); drives the automatic disabling.
  std::optional<int64_t> failing_since;
};

enum class DeliveryStatus { kPending, kSucceeded, kFailed };
std::string_view DeliveryStatusName(DeliveryStatus s);  // "pending", "succeeded", "failed"
std::optional<DeliveryStatus> ParseDeliveryStatus(std::string_view name);

struct WebhookDeliveryRow {
  std::string id;  // wd_…
  std::string endpoint_id;
  std::string event_id;
  int64_t attempt = 1;  // 1 for the first attempt
  DeliveryStatus status = DeliveryStatus::kPending;
  std::optional<int64_t> response_status;  // the receiver's HTTP status, when it answered
  std::optional<int64_t> duration_ms;      // of the attempt, once made
  std::optional<int64_t> next_attempt_at;  // pending: when it is due
  int64_t created = 0;
};

// An attempt leased to one node: the delivery, its endpoint and its event.
struct DueDelivery {
  WebhookDeliveryRow delivery;
  WebhookEndpointRow endpoint;
  EventRow event;
};

// What an attempt came to.
struct AttemptOutcome {
  bool succeeded = false;
  std::optional<int64_t> response_status;
  int64_t duration_ms = 0;
  int64_t attempted_at = 0;  // Unix seconds
  // A failed attempt: when the next one is due (nullopt: that was the last, the delivery failed).
  std::optional<int64_t> retry_at;
  // A failed attempt: an endpoint whose failures began at or before this is disabled.
  int64_t disable_if_failing_since = 0;
};

// Whether event `type` is selected by the subscription `pattern` ("*", "prefix.*" or a type).
inline bool EventPatternMatches(std::string_view pattern, std::string_view type) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    return type.starts_with(pattern.substr(0, pattern.size() - 1));
  }
  return pattern == type;
}

}  // namespace keyward
