// Mapping between keyward's records (records.h) and SQL columns, once for every engine: the column
// list each SELECT and RETURNING uses, one decoder per record type, the parameters of each INSERT,
// and the permission-list encoding (comma-joined; a permission never contains a comma).
// Thread-safety: stateless functions.
// Errors: a decoder returns kInternalError for a malformed row (an unknown enum name, a hash that
// is not 32 bytes), never a value from the row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/event.h"
#include "store/plan.h"
#include "store/records.h"
#include "store/sql/driver.h"
#include "store/webhook.h"

// Column lists, as string literals so that statements can be assembled at compile time.
// *_INSERT_COLUMNS are what an INSERT writes; the plain lists (what SELECT and RETURNING read)
// add the columns that only updates write, and the change sequence last.
#define KEYWARD_ACCOUNT_INSERT_COLUMNS \
  "id, email, name, credits, credits_used, plan, password_hash, created"
#define KEYWARD_ACCOUNT_COLUMNS                               \
  KEYWARD_ACCOUNT_INSERT_COLUMNS                              \
  ", metadata, rate_limit, account_rate_limit, disabled_at, " \
  "change_seq"
#define KEYWARD_TOKEN_INSERT_COLUMNS                                                          \
  "id, account_id, name, type, key_hash, key_prefix, last4, permissions, livemode, created, " \
  "expires_at, revoked_at, last_used_at, metadata, ip_allowlist, disabled_at, imported"
#define KEYWARD_TOKEN_COLUMNS KEYWARD_TOKEN_INSERT_COLUMNS ", change_seq"
#define KEYWARD_ADMIN_KEY_COLUMNS "id, name, key_hash, key_prefix, last4, created, revoked_at"
#define KEYWARD_ACCESS_TOKEN_COLUMNS \
  "token_hash, parent_id, parent_hash, account_id, created, expires_at"
#define KEYWARD_AGENT_AUTH_COLUMNS \
  "token_hash, status, account_id, client_name, token_id, created, decided_at"
#define KEYWARD_SESSION_COLUMNS "secret_hash, account_id, created, expires_at"
#define KEYWARD_OPERATOR_SESSION_COLUMNS "secret_hash, operator_id, created, expires_at"
#define KEYWARD_OPERATOR_COLUMNS "id, email, password_hash, setup_hash, setup_expires_at, created"
#define KEYWARD_IDEMPOTENCY_COLUMNS "scope, key, fingerprint, done, status, body, created"
#define KEYWARD_ENDPOINT_COLUMNS                                                             \
  "id, owner_account_id, account_filter, url, description, enabled_events, status, secret, " \
  "created, failing_since"
#define KEYWARD_DELIVERY_COLUMNS                                                                \
  "id, endpoint_id, event_id, attempt, status, response_status, duration_ms, next_attempt_at, " \
  "created"
#define KEYWARD_PLAN_COLUMNS                                                            \
  "name, rate_limit, account_rate_limit, refill_amount, refill_interval, refill_mode, " \
  "low_credits_threshold, managed_by, created"
#define KEYWARD_EVENT_COLUMNS \
  "id, type, created, account_id, livemode, request_id, actor_type, actor_id, actor_ip, data"

namespace keyward::sql {

inline constexpr int kTokenColumnCount = 17;  // in KEYWARD_TOKEN_INSERT_COLUMNS
// How many columns a literal list names (its commas + 1).
constexpr int ColumnCount(std::string_view columns) {
  int n = 1;
  for (char c : columns) n += c == ',' ? 1 : 0;
  return n;
}
inline constexpr int kAccountColumnCount = ColumnCount(KEYWARD_ACCOUNT_COLUMNS);
static_assert(kTokenColumnCount == ColumnCount(KEYWARD_TOKEN_INSERT_COLUMNS));

// Decode `row`, whose first columns are the matching list above (for int64_t: one integer).
Status Decode(const Row& row, int64_t* out);
Status Decode(const Row& row, AccountRow* out);
Status Decode(const Row& row, TokenRow* out);
Status Decode(const Row& row, AdminKeyRow* out);
Status Decode(const Row& row, AccessTokenRow* out);
Status Decode(const Row& row, AgentAuthRow* out);
// A session row is KEYWARD_SESSION_COLUMNS followed by one column: 1 for an operator's session
// (then column 1 is the operator id), 0 for a customer's.
Status Decode(const Row& row, SessionRow* out);
Status Decode(const Row& row, OperatorRow* out);
// KEYWARD_ACCOUNT_COLUMNS, then the key count and the last use.
Status Decode(const Row& row, AccountSummary* out);
Status Decode(const Row& row, IdempotencyRecord* out);
Status Decode(const Row& row, EventRow* out);
Status Decode(const Row& row, WebhookEndpointRow* out);
Status Decode(const Row& row, WebhookDeliveryRow* out);
Status Decode(const Row& row, PlanRow* out);  // KEYWARD_PLAN_COLUMNS

// Append the values of the matching column list, in its order.
// (For accounts and tokens: the *_INSERT_COLUMNS.)
void AddParams(const AccountRow& account, Params* params);  // an empty email as NULL
void AddParams(const TokenRow& token, Params* params);
void AddParams(const AdminKeyRow& key, Params* params);
void AddParams(const AccessTokenRow& token, Params* params);
void AddParams(const AgentAuthRow& request, Params* params);  // an empty account_id as NULL
// A session: KEYWARD_SESSION_COLUMNS, or KEYWARD_OPERATOR_SESSION_COLUMNS for an operator's.
void AddParams(const SessionRow& session, Params* params);
void AddParams(const EventRow& event, Params* params);               // empty optional texts as NULL
void AddParams(const WebhookEndpointRow& endpoint, Params* params);  // empty texts as NULL
void AddParams(const WebhookDeliveryRow& delivery, Params* params);
void AddParams(const OperatorRow& op, Params* params);
void AddParams(const PlanRow& plan, Params* params);  // KEYWARD_PLAN_COLUMNS

// Also used for IP allowlists (a CIDR never contains a comma either).
std::string JoinPermissions(const std::vector<std::string>& permissions);
void SplitPermissions(std::string_view joined, std::vector<std::string>* out);

// The first row `statement` returns, decoded, or nullopt when it returns none. The statement runs
// to its end (a write with RETURNING completes).
template <class T>
Result<std::optional<T>> QueryOne(Session& session, const Statement& statement,
                                  const Params& params) {
  std::optional<T> out;
  Result<int64_t> ran = session.Run(statement, params, [&](const Row& row) -> Status {
    if (out) return Status::Ok();
    T value;
    if (Status s = Decode(row, &value); !s.ok()) return s;
    out = std::move(value);
    return Status::Ok();
  });
  if (!ran.ok()) return ran.error();
  return out;
}

// One newest-first page: `statement` returns at most `limit` + 1 rows; an extra one only says that
// there are more.
template <class T>
Result<Page<T>> QueryPage(Session& session, const Statement& statement, const Params& params,
                          int64_t limit) {
  Page<T> page;
  Result<int64_t> ran = session.Run(statement, params, [&](const Row& row) -> Status {
    if (static_cast<int64_t>(page.items.size()) >= limit) {
      page.has_more = true;
      return Status::Ok();
    }
    T value;
    if (Status s = Decode(row, &value); !s.ok()) return s;
    page.items.push_back(std::move(value));
    return Status::Ok();
  });
  if (!ran.ok()) return ran.error();
  return page;
}

// Every row `statement` returns, decoded and passed to `fn`; streamed (never all in memory).
template <class T, class Fn>
Status StreamAll(Session& session, const Statement& statement, const Params& params, Fn&& fn) {
  return session.Stream(statement, params, [&](const Row& row) -> Status {
    T value;
    if (Status s = Decode(row, &value); !s.ok()) return s;
    fn(std::move(value));
    return Status::Ok();
  });
}

}  // namespace keyward::sql
