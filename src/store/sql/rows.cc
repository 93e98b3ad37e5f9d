#include "store/sql/rows.h"

#include <utility>

namespace keyward::sql {
namespace {

Error Malformed(const char* what) {
  return Error(ErrorCode::kInternalError, std::string("store: malformed ") + what + " row");
}

}  // namespace

Status Decode(const Row& row, int64_t* out) {
  *out = row.Int(0);
  return Status::Ok();
}

Status Decode(const Row& row, AccountRow* out) {
  out->id = row.Text(0);
  out->email = row.Text(1);  // NULL reads as empty
  out->name = row.Text(2);
  out->credits = row.OptionalInt(3);
  out->credits_used = row.Int(4);
  out->plan = row.Text(5);
  out->password_hash = row.Text(6);
  out->created = row.Int(7);
  std::optional<Metadata> metadata = MetadataFromJson(row.Text(8));
  if (!metadata) return Malformed("account");
  out->metadata = std::move(*metadata);
  out->rate_limit = row.IsNull(9) ? std::nullopt : std::optional<std::string>(row.Text(9));
  out->account_rate_limit =
      row.IsNull(10) ? std::nullopt : std::optional<std::string>(row.Text(10));
  out->disabled_at = row.OptionalInt(11);
  out->change_seq = row.Int(12);
  return Status::Ok();
}

Status Decode(const Row& row, TokenRow* out) {
  std::optional<KeyType> type = ParseKeyType(row.Text(3));
  if (!type || !row.ReadDigest(4, &out->key_hash)) return Malformed("token");
  out->id = row.Text(0);
  out->account_id = row.Text(1);
  out->name = row.Text(2);
  out->type = *type;
  out->key_prefix = row.Text(5);
  out->last4 = row.Text(6);
  SplitPermissions(row.Text(7), &out->permissions);
  out->livemode = row.Bool(8);
  out->created = row.Int(9);
  out->expires_at = row.OptionalInt(10);
  out->revoked_at = row.OptionalInt(11);
  out->last_used_at = row.OptionalInt(12);
  std::optional<Metadata> metadata = MetadataFromJson(row.Text(13));
  if (!metadata) return Malformed("token");
  out->metadata = std::move(*metadata);
  SplitPermissions(row.Text(14), &out->ip_allowlist);
  out->disabled_at = row.OptionalInt(15);
  out->imported = row.Bool(16);
  out->change_seq = row.Int(17);
  return Status::Ok();
}

Status Decode(const Row& row, AdminKeyRow* out) {
  if (!row.ReadDigest(2, &out->key_hash)) return Malformed("admin key");
  out->id = row.Text(0);
  out->name = row.Text(1);
  out->key_prefix = row.Text(3);
  out->last4 = row.Text(4);
  out->created = row.Int(5);
  out->revoked_at = row.OptionalInt(6);
  return Status::Ok();
}

Status Decode(const Row& row, AccessTokenRow* out) {
  if (!row.ReadDigest(0, &out->token_hash) || !row.ReadDigest(2, &out->parent_hash)) {
    return Malformed("access token");
  }
  out->parent_id = row.Text(1);
  out->account_id = row.Text(3);
  out->created = row.Int(4);
  out->expires_at = row.Int(5);
  return Status::Ok();
}

Status Decode(const Row& row, AgentAuthRow* out) {
  std::optional<AgentAuthStatus> status = ParseAgentAuthStatus(row.Text(1));
  if (!status || !row.ReadDigest(0, &out->token_hash)) return Malformed("agent_auth_requests");
  out->status = *status;
  out->account_id = row.Text(2);  // NULL reads as empty
  out->client_name = row.Text(3);
  out->token_id = row.Text(4);
  out->created = row.Int(5);
  out->decided_at = row.OptionalInt(6);
  return Status::Ok();
}

Status Decode(const Row& row, SessionRow* out) {
  if (!row.ReadDigest(0, &out->secret_hash)) return Malformed("session");
  (row.Int(4) != 0 ? out->operator_id : out->account_id) = row.Text(1);
  out->created = row.Int(2);
  out->expires_at = row.Int(3);
  return Status::Ok();
}

Status Decode(const Row& row, AccountSummary* out) {
  if (Status s = Decode(row, &out->account); !s.ok()) return s;
  out->keys = row.Int(kAccountColumnCount);
  out->last_used_at = row.OptionalInt(kAccountColumnCount + 1);
  return Status::Ok();
}

Status Decode(const Row& row, OperatorRow* out) {
  out->id = row.Text(0);
  out->email = row.Text(1);
  out->password_hash = row.Text(2);
  out->setup_hash.reset();
  if (!row.IsNull(3)) {
    Digest hash{};
    if (!row.ReadDigest(3, &hash)) return Malformed("operator");
    out->setup_hash = hash;
  }
  out->setup_expires_at = row.OptionalInt(4);
  out->created = row.Int(5);
  return Status::Ok();
}

Status Decode(const Row& row, IdempotencyRecord* out) {
  if (!row.ReadDigest(2, &out->fingerprint)) return Malformed("idempotency");
  out->scope = row.Text(0);
  out->key = row.Text(1);
  out->done = row.Bool(3);
  out->status = static_cast<int>(row.Int(4));
  out->body = row.Text(5);
  out->created = row.Int(6);
  return Status::Ok();
}

void AddParams(const AccountRow& account, Params* params) {
  params->Add(account.id)
      .AddTextOrNull(account.email)  // only real addresses are unique
      .Add(account.name)
      .Add(account.credits)
      .Add(account.credits_used)
      .Add(account.plan)
      .Add(account.password_hash)
      .Add(account.created);
}

void AddParams(const TokenRow& token, Params* params) {
  params->Add(token.id)
      .Add(token.account_id)
      .Add(token.name)
      .Add(KeyTypeName(token.type))
      .Add(token.key_hash)
      .Add(token.key_prefix)
      .Add(token.last4)
      .Add(JoinPermissions(token.permissions))
      .Add(token.livemode)
      .Add(token.created)
      .Add(token.expires_at)
      .Add(token.revoked_at)
      .Add(token.last_used_at)
      .Add(MetadataToJson(token.metadata))
      .Add(JoinPermissions(token.ip_allowlist))
      .Add(token.disabled_at)
      .Add(token.imported);
}

void AddParams(const AdminKeyRow& key, Params* params) {
  params->Add(key.id)
      .Add(key.name)
      .Add(key.key_hash)
      .Add(key.key_prefix)
      .Add(key.last4)
      .Add(key.created)
      .Add(key.revoked_at);
}

void AddParams(const AccessTokenRow& token, Params* params) {
  params->Add(token.token_hash)
      .Add(token.parent_id)
      .Add(token.parent_hash)
      .Add(token.account_id)
      .Add(token.created)
      .Add(token.expires_at);
}

void AddParams(const AgentAuthRow& request, Params* params) {
  params->Add(request.token_hash)
      .Add(AgentAuthStatusName(request.status))
      .AddTextOrNull(request.account_id)
      .Add(request.client_name)
      .Add(request.token_id)
      .Add(request.created)
      .Add(request.decided_at);
}

void AddParams(const SessionRow& session, Params* params) {
  params->Add(session.secret_hash)
      .Add(session.operator_id.empty() ? session.account_id : session.operator_id)
      .Add(session.created)
      .Add(session.expires_at);
}

Status Decode(const Row& row, EventRow* out) {
  out->id = row.Text(0);
  out->type = row.Text(1);
  out->created = row.Int(2);
  out->account_id = row.Text(3);
  out->livemode = row.Bool(4);
  out->request_id = row.Text(5);
  out->actor.type = row.Text(6);
  out->actor.id = row.Text(7);
  out->actor.ip = row.Text(8);
  out->data = row.Text(9);
  return Status::Ok();
}

void AddParams(const EventRow& event, Params* params) {
  params->Add(event.id)
      .Add(event.type)
      .Add(event.created)
      .AddTextOrNull(event.account_id)
      .Add(event.livemode)
      .AddTextOrNull(event.request_id)
      .Add(event.actor.type)
      .AddTextOrNull(event.actor.id)
      .AddTextOrNull(event.actor.ip)
      .Add(event.data);
}

Status Decode(const Row& row, WebhookEndpointRow* out) {
  out->id = row.Text(0);
  out->owner_account_id = row.Text(1);
  out->account_filter = row.Text(2);
  out->url = row.Text(3);
  out->description = row.Text(4);
  SplitPermissions(row.Text(5), &out->enabled_events);  // the same comma-joined encoding
  const std::string status = row.Text(6);
  if (status != "enabled" && status != "disabled") return Malformed("webhook endpoint");
  out->enabled = status == "enabled";
  out->secret = row.Text(7);
  out->created = row.Int(8);
  out->failing_since = row.OptionalInt(9);
  return Status::Ok();
}

Status Decode(const Row& row, WebhookDeliveryRow* out) {
  out->id = row.Text(0);
  out->endpoint_id = row.Text(1);
  out->event_id = row.Text(2);
  out->attempt = row.Int(3);
  auto status = ParseDeliveryStatus(row.Text(4));
  if (!status) return Malformed("webhook delivery");
  out->status = *status;
  out->response_status = row.OptionalInt(5);
  out->duration_ms = row.OptionalInt(6);
  out->next_attempt_at = row.OptionalInt(7);
  out->created = row.Int(8);
  return Status::Ok();
}

void AddParams(const WebhookEndpointRow& e, Params* params) {
  params->Add(e.id)
      .AddTextOrNull(e.owner_account_id)
      .AddTextOrNull(e.account_filter)
      .Add(e.url)
      .Add(e.description)
      .Add(JoinPermissions(e.enabled_events))
      .Add(e.enabled ? "enabled" : "disabled")
      .Add(e.secret)
      .Add(e.created)
      .Add(e.failing_since);
}

void AddParams(const WebhookDeliveryRow& d, Params* params) {
  params->Add(d.id)
      .Add(d.endpoint_id)
      .Add(d.event_id)
      .Add(d.attempt)
      .Add(DeliveryStatusName(d.status))
      .Add(d.response_status)
      .Add(d.duration_ms)
      .Add(d.next_attempt_at)
      .Add(d.created);
}

void AddParams(const OperatorRow& op, Params* params) {
  params->Add(op.id).Add(op.email).Add(op.password_hash);
  if (op.setup_hash) {
    params->Add(*op.setup_hash);
  } else {
    params->AddNull();
  }
  params->Add(op.setup_expires_at).Add(op.created);
}

std::string JoinPermissions(const std::vector<std::string>& permissions) {
  std::string joined;
  for (size_t i = 0; i < permissions.size(); ++i) {
    if (i > 0) joined += ',';
    joined += permissions[i];
  }
  return joined;
}

void SplitPermissions(std::string_view joined, std::vector<std::string>* out) {
  out->clear();
  while (!joined.empty()) {
    size_t comma = joined.find(',');
    out->emplace_back(joined.substr(0, comma));
    if (comma == std::string_view::npos) break;
    joined.remove_prefix(comma + 1);
  }
}

}  // namespace keyward::sql

namespace keyward::sql {

Status Decode(const Row& row, PlanRow* out) {
  out->name = row.Text(0);
  out->rate_limit = row.Text(1);
  out->account_rate_limit = row.IsNull(2) ? std::nullopt : std::optional<std::string>(row.Text(2));
  out->refill.reset();
  if (!row.IsNull(3)) {
    out->refill = PlanRefill{row.Int(3), row.Text(4), row.Text(5)};
  }
  out->low_credits_threshold = row.OptionalInt(6);
  out->managed_by_config = row.Text(7) == "config";
  out->created = row.Int(8);
  return Status::Ok();
}

void AddParams(const PlanRow& plan, Params* params) {
  params->Add(plan.name).Add(plan.rate_limit).Add(plan.account_rate_limit);
  if (plan.refill) {
    params->Add(plan.refill->amount).Add(plan.refill->interval).Add(plan.refill->mode);
  } else {
    params->AddNull().AddNull().AddNull();
  }
  params->Add(plan.low_credits_threshold)
      .Add(plan.managed_by_config ? "config" : "api")
      .Add(plan.created);
}

}  // namespace keyward::sql
