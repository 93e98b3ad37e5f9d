// SqlStore: webhook endpoints and the delivery queue (API.md 14; store/webhook.h) — the fan-out
// of each recorded event to its endpoints, leases, and the outcome of each attempt.
#include <algorithm>
#include <limits>

#include "core/ids.h"
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsertEndpoint("INSERT INTO webhook_endpoints (" KEYWARD_ENDPOINT_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
const Statement kSelectEndpoint("SELECT " KEYWARD_ENDPOINT_COLUMNS
                                " FROM webhook_endpoints WHERE id = $1");
const Statement kEndpointSeq("SELECT seq FROM webhook_endpoints WHERE id = $1");
// $1 owner ('' = the operator's), $2 seq bound, $3 limit.
const Statement kListEndpoints("SELECT " KEYWARD_ENDPOINT_COLUMNS
                               " FROM webhook_endpoints WHERE COALESCE(owner_account_id, '') = $1"
                               " AND seq < $2 ORDER BY seq DESC LIMIT $3");
const Statement kUpdateEndpoint(
    "UPDATE webhook_endpoints SET url = $2, description = $3, enabled_events = $4, status = $5,"
    " secret = $6, failing_since = $7 WHERE id = $1 RETURNING " KEYWARD_ENDPOINT_COLUMNS);
const Statement kDeleteEndpoint("DELETE FROM webhook_endpoints WHERE id = $1");
const Statement kDeletePending(
    "DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'pending'");
// The endpoints an event of account $1 ('' = none) may go to.
const Statement kSubscribers(
    "SELECT " KEYWARD_ENDPOINT_COLUMNS
    " FROM webhook_endpoints WHERE status = 'enabled' AND ((owner_account_id IS NULL AND"
    " (account_filter IS NULL OR account_filter = $1)) OR owner_account_id = $1)");

const Statement kInsertDelivery("INSERT INTO webhook_deliveries (" KEYWARD_DELIVERY_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
const Statement kSelectDelivery("SELECT " KEYWARD_DELIVERY_COLUMNS
                                " FROM webhook_deliveries WHERE id = $1");
const Statement kDeliverySeq("SELECT seq FROM webhook_deliveries WHERE id = $1");
const Statement kListDeliveries("SELECT " KEYWARD_DELIVERY_COLUMNS
                                " FROM webhook_deliveries WHERE endpoint_id = $1 AND seq < $2"
                                " ORDER BY seq DESC LIMIT $3");
const Statement kSelectEvent("SELECT " KEYWARD_EVENT_COLUMNS " FROM events WHERE id = $1");
// $1 id, $2 owner, $3 status, $4 response status, $5 duration: the attempt, if the lease holds.
const Statement kFinishAttempt(
    "UPDATE webhook_deliveries SET status = $3, response_status = $4, duration_ms = $5,"
    " next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL"
    " WHERE id = $1 AND lease_owner = $2 AND status = 'pending'");
const Statement kReleaseLease(
    "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = NULL"
    " WHERE id = $1 AND lease_owner = $2 AND status = 'pending'");
const Statement kEndpointSucceeded(
    "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1");
const Statement kEndpointFailed(
    "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1"
    " RETURNING " KEYWARD_ENDPOINT_COLUMNS);
const Statement kDisableEndpoint(
    "UPDATE webhook_endpoints SET status = 'disabled'"
    " WHERE id = $1 AND status = 'enabled'"
    " RETURNING " KEYWARD_ENDPOINT_COLUMNS);

template <class T>
Result<int64_t> SeqOf(Session& session, const Statement& statement, const std::string& id,
                      const char* what) {
  if (id.empty()) return std::numeric_limits<int64_t>::max();
  Result<std::optional<int64_t>> seq = sql::QueryOne<int64_t>(session, statement, Params().Add(id));
  if (!seq.ok()) return seq.error();
  if (!*seq)
    return InvalidRequest(std::string("starting_after is not ") + what + ".", "starting_after");
  return **seq;
}

}  // namespace

Status SqlStore::FanOut(Session& session, const EventRow& event) {
  std::vector<WebhookEndpointRow> endpoints;
  Result<int64_t> ran =
      session.Run(kSubscribers, Params().Add(event.account_id), [&](const sql::Row& row) -> Status {
        WebhookEndpointRow e;
        if (Status s = sql::Decode(row, &e); !s.ok()) return s;
        endpoints.push_back(std::move(e));
        return Status::Ok();
      });
  if (!ran.ok()) return ran.error();
  for (const WebhookEndpointRow& e : endpoints) {
    const bool wanted =
        std::any_of(e.enabled_events.begin(), e.enabled_events.end(),
                    [&](const std::string& p) { return EventPatternMatches(p, event.type); });
    if (!wanted) continue;
    WebhookDeliveryRow d;
    d.id = NewId("wd");
    d.endpoint_id = e.id;
    d.event_id = event.id;
    d.attempt = 1;
    d.next_attempt_at = event.created;
    d.created = event.created;
    Params params;
    sql::AddParams(d, &params);
    if (Result<int64_t> n = session.Run(kInsertDelivery, params); !n.ok()) return n.error();
  }
  return Status::Ok();
}

Status SqlStore::CreateWebhookEndpoint(const WebhookEndpointRow& endpoint,
                                       const EventFor<WebhookEndpointRow>& event) {
  Params params;
  sql::AddParams(endpoint, &params);
  return driver_->Transaction([&](Session& session) -> Status {
    if (Result<int64_t> n = session.Run(kInsertEndpoint, params); !n.ok()) return n.error();
    return RecordEvent<WebhookEndpointRow>(session, event, nullptr, endpoint);
  });
}

Result<std::optional<WebhookEndpointRow>> SqlStore::GetWebhookEndpoint(std::string_view id) {
  return ReadOne<WebhookEndpointRow>(kSelectEndpoint, Params().Add(id));
}

Result<Page<WebhookEndpointRow>> SqlStore::ListWebhookEndpoints(std::string_view owner_account_id,
                                                                const ListOptions& options) {
  return Run<Page<WebhookEndpointRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<Page<WebhookEndpointRow>> {
        Result<int64_t> before = SeqOf<WebhookEndpointRow>(
            session, kEndpointSeq, options.starting_after, "a webhook endpoint id");
        if (!before.ok()) return before.error();
        const int64_t limit = std::max(options.limit, 0);
        return sql::QueryPage<WebhookEndpointRow>(
            session, kListEndpoints, Params().Add(owner_account_id).Add(*before).Add(limit + 1),
            limit);
      });
}

Result<std::optional<WebhookEndpointRow>> SqlStore::UpdateWebhookEndpoint(
    const WebhookEndpointRow& endpoint, const EventFor<WebhookEndpointRow>& event) {
  return Run<std::optional<WebhookEndpointRow>>(
      &sql::Driver::Transaction,
      [&](Session& session) -> Result<std::optional<WebhookEndpointRow>> {
        Result<std::optional<WebhookEndpointRow>> before =
            sql::QueryOne<WebhookEndpointRow>(session, kSelectEndpoint, Params().Add(endpoint.id));
        if (!before.ok() || !*before) return before;
        Params params;
        params.Add(endpoint.id)
            .Add(endpoint.url)
            .Add(endpoint.description)
            .Add(sql::JoinPermissions(endpoint.enabled_events))
            .Add(endpoint.enabled ? "enabled" : "disabled")
            .Add(endpoint.secret)
            .Add(endpoint.failing_since);
        Result<std::optional<WebhookEndpointRow>> after =
            sql::QueryOne<WebhookEndpointRow>(session, kUpdateEndpoint, params);
        if (!after.ok() || !*after) return after;
        if (Status s = RecordEvent<WebhookEndpointRow>(session, event, &**before, **after);
            !s.ok()) {
          return s.error();
        }
        return after;
      });
}

Result<bool> SqlStore::DeleteWebhookEndpoint(std::string_view id,
                                             const EventFor<WebhookEndpointRow>& event) {
  return Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
    Result<std::optional<WebhookEndpointRow>> before =
        sql::QueryOne<WebhookEndpointRow>(session, kSelectEndpoint, Params().Add(id));
    if (!before.ok()) return before.error();
    if (!*before) return false;
    if (Result<int64_t> n = session.Run(kDeletePending, Params().Add(id)); !n.ok()) {
      return n.error();
    }
    if (Result<int64_t> n = session.Run(kDeleteEndpoint, Params().Add(id)); !n.ok()) {
      return n.error();
    }
    if (Status s = RecordEvent<WebhookEndpointRow>(session, event, &**before, **before); !s.ok()) {
      return s.error();
    }
    return true;
  });
}

Result<Page<WebhookDeliveryRow>> SqlStore::ListWebhookDeliveries(std::string_view endpoint_id,
                                                                 const ListOptions& options) {
  return Run<Page<WebhookDeliveryRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<Page<WebhookDeliveryRow>> {
        Result<int64_t> before = SeqOf<WebhookDeliveryRow>(
            session, kDeliverySeq, options.starting_after, "a webhook delivery id");
        if (!before.ok()) return before.error();
        const int64_t limit = std::max(options.limit, 0);
        return sql::QueryPage<WebhookDeliveryRow>(
            session, kListDeliveries, Params().Add(endpoint_id).Add(*before).Add(limit + 1), limit);
      });
}

Result<std::vector<DueDelivery>> SqlStore::LeaseDueDeliveries(std::string_view owner, int64_t now,
                                                              int64_t lease_until, size_t limit) {
  Result<std::vector<WebhookDeliveryRow>> leased = Run<std::vector<WebhookDeliveryRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::vector<WebhookDeliveryRow>> {
        std::vector<WebhookDeliveryRow> rows;
        Result<int64_t> n = session.Run(
            dialect_.lease_deliveries,
            Params().Add(owner).Add(lease_until).Add(now).Add(static_cast<int64_t>(limit)),
            [&](const sql::Row& row) -> Status {
              WebhookDeliveryRow d;
              if (Status s = sql::Decode(row, &d); !s.ok()) return s;
              rows.push_back(std::move(d));
              return Status::Ok();
            });
        if (!n.ok()) return n.error();
        return rows;
      });
  if (!leased.ok()) return leased.error();
  std::vector<DueDelivery> due;
  due.reserve(leased->size());
  Status read = driver_->Read([&](Session& session) -> Status {
    for (WebhookDeliveryRow& d : *leased) {
      Result<std::optional<WebhookEndpointRow>> endpoint =
          sql::QueryOne<WebhookEndpointRow>(session, kSelectEndpoint, Params().Add(d.endpoint_id));
      if (!endpoint.ok()) return endpoint.error();
      Result<std::optional<EventRow>> event =
          sql::QueryOne<EventRow>(session, kSelectEvent, Params().Add(d.event_id));
      if (!event.ok()) return event.error();
      if (!*endpoint || !*event) continue;  // deleted meanwhile, or the event is past retention
      due.push_back(DueDelivery{std::move(d), std::move(**endpoint), std::move(**event)});
    }
    return Status::Ok();
  });
  if (!read.ok()) return read.error();
  return due;
}

Result<bool> SqlStore::CompleteDelivery(std::string_view delivery_id, std::string_view owner,
                                        const AttemptOutcome& outcome,
                                        const EventFor<WebhookEndpointRow>& disabled) {
  return Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
    Result<std::optional<WebhookDeliveryRow>> row =
        sql::QueryOne<WebhookDeliveryRow>(session, kSelectDelivery, Params().Add(delivery_id));
    if (!row.ok()) return row.error();
    if (!*row) return false;
    const WebhookDeliveryRow& d = **row;
    Params finish;
    finish.Add(delivery_id)
        .Add(owner)
        .Add(outcome.succeeded ? "succeeded" : "failed")
        .Add(outcome.response_status)
        .Add(outcome.duration_ms);
    Result<int64_t> n = session.Run(kFinishAttempt, finish);
    if (!n.ok()) return n.error();
    if (*n == 0) return false;  // the lease was lost: another node owns this attempt now
    if (outcome.succeeded) {
      if (Result<int64_t> m = session.Run(kEndpointSucceeded, Params().Add(d.endpoint_id));
          !m.ok()) {
        return m.error();
      }
      return true;
    }
    if (outcome.retry_at) {
      WebhookDeliveryRow next;
      next.id = NewId("wd");
      next.endpoint_id = d.endpoint_id;
      next.event_id = d.event_id;
      next.attempt = d.attempt + 1;
      next.next_attempt_at = *outcome.retry_at;
      next.created = outcome.attempted_at;
      Params params;
      sql::AddParams(next, &params);
      if (Result<int64_t> m = session.Run(kInsertDelivery, params); !m.ok()) return m.error();
    }
    Result<std::optional<WebhookEndpointRow>> endpoint = sql::QueryOne<WebhookEndpointRow>(
        session, kEndpointFailed, Params().Add(d.endpoint_id).Add(outcome.attempted_at));
    if (!endpoint.ok()) return endpoint.error();
    if (!*endpoint || !(*endpoint)->enabled || !(*endpoint)->failing_since ||
        *(*endpoint)->failing_since > outcome.disable_if_failing_since) {
      return true;
    }
    Result<std::optional<WebhookEndpointRow>> off =
        sql::QueryOne<WebhookEndpointRow>(session, kDisableEndpoint, Params().Add(d.endpoint_id));
    if (!off.ok()) return off.error();
    if (*off) {
      if (Status s = RecordEvent<WebhookEndpointRow>(session, disabled, &**endpoint, **off);
          !s.ok()) {
        return s.error();
      }
    }
    return true;
  });
}

Status SqlStore::ReleaseDelivery(std::string_view delivery_id, std::string_view owner) {
  Result<int64_t> n = Change(kReleaseLease, Params().Add(delivery_id).Add(owner));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

}  // namespace keyward
