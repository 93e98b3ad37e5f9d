#include "store/postgres/migrations.h"

#include <array>
#include <string>

namespace keyward::pg {
namespace {

// Version 1: accounts, API keys ("tokens") and admin keys. `seq` orders rows newest first;
// `email` is NULL when empty so that only real addresses are unique, and unique regardless of
// ASCII case (like SQLite's NOCASE: lower() under the "C" collation folds ASCII only); permissions
// are joined with commas (a permission never contains one). Times are Unix seconds.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE accounts (
  seq           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id            text    NOT NULL UNIQUE,
  email         text,
  name          text    NOT NULL DEFAULT '',
  credits       bigint,
  credits_used  bigint  NOT NULL DEFAULT 0,
  plan          text    NOT NULL,
  password_hash text    NOT NULL DEFAULT '',
  created       bigint  NOT NULL
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email COLLATE "C"));
CREATE TABLE tokens (
  seq          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id           text    NOT NULL UNIQUE,
  account_id   text    NOT NULL REFERENCES accounts(id),
  name         text    NOT NULL DEFAULT '',
  type         text    NOT NULL CHECK (type IN ('secret', 'publishable', 'restricted')),
  key_hash     bytea   NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  key_prefix   text    NOT NULL,
  last4        text    NOT NULL,
  permissions  text    NOT NULL DEFAULT '',
  livemode     boolean NOT NULL,
  created      bigint  NOT NULL,
  expires_at   bigint,
  revoked_at   bigint,
  last_used_at bigint
);
CREATE INDEX tokens_account_seq ON tokens (account_id, seq);
CREATE TABLE admin_keys (
  seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         text   NOT NULL UNIQUE,
  name       text   NOT NULL DEFAULT '',
  key_hash   bytea  NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  key_prefix text   NOT NULL,
  last4      text   NOT NULL,
  created    bigint NOT NULL,
  revoked_at bigint
);
)sql";

// Version 2: access tokens (API.md 3), stored by hash; they die with their parent key.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE access_tokens (
  seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash  bytea  NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  parent_id   text   NOT NULL REFERENCES tokens(id),
  parent_hash bytea  NOT NULL CHECK (length(parent_hash) = 32),
  account_id  text   NOT NULL,
  created     bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);
)sql";

// Version 3: Idempotency-Key records (API.md 1.4), kept 24 h.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE idempotency_keys (
  scope       text    NOT NULL,
  key         text    NOT NULL,
  fingerprint bytea   NOT NULL CHECK (length(fingerprint) = 32),
  done        boolean NOT NULL,
  status      bigint  NOT NULL DEFAULT 0,
  body        text    NOT NULL DEFAULT '',
  created     bigint  NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
)sql";

// Version 4: dashboard sessions and agent sign-in requests (API.md 8), both kept by the SHA-256
// of their secret only. An agent request's account_id is NULL until someone decides it.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE sessions (
  secret_hash bytea  PRIMARY KEY CHECK (length(secret_hash) = 32),
  account_id  text   NOT NULL REFERENCES accounts(id),
  created     bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE agent_auth_requests (
  token_hash  bytea  PRIMARY KEY CHECK (length(token_hash) = 32),
  status      text   NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  account_id  text   REFERENCES accounts(id),
  client_name text   NOT NULL DEFAULT '',
  token_id    text   NOT NULL DEFAULT '',
  created     bigint NOT NULL,
  decided_at  bigint
);
CREATE INDEX agent_auth_requests_created ON agent_auth_requests (created);
)sql";

// Version 5: a change sequence on tokens (Store::ForEachTokenChangedAfter), set by a trigger on
// every insert and every change of revoked_at or expires_at (not last_used_at). The trigger takes
// a transaction-level advisory lock before drawing the next number, so token-changing
// transactions commit in the order of their numbers: a reader never sees a change numbered below
// one it has already seen.
constexpr std::string_view kV5 = R"sql(
CREATE SEQUENCE token_changes;
ALTER TABLE tokens ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
UPDATE tokens SET change_seq = seq;
SELECT setval('token_changes', GREATEST((SELECT COALESCE(MAX(change_seq), 0) FROM tokens), 1));
CREATE INDEX tokens_change_seq ON tokens (change_seq);
CREATE FUNCTION keyward_token_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4242000005);
  NEW.change_seq := nextval('token_changes');
  RETURN NEW;
END $$;
CREATE TRIGGER tokens_change_seq BEFORE INSERT OR UPDATE OF revoked_at, expires_at ON tokens
  FOR EACH ROW EXECUTE FUNCTION keyward_token_change();
)sql";

// Version 6: runtime control (API.md 11). Tokens gain metadata (compact JSON), an IP allowlist
// (normalised CIDRs joined with commas) and disabled_at, and the change-sequence trigger now fires
// on every column an update may change. Accounts gain metadata, limit overrides, disabled_at and
// a change sequence of their own, drawn like the tokens' one (under an advisory lock, so that
// account-changing transactions commit in the order of their numbers).
constexpr std::string_view kV6 = R"sql(
ALTER TABLE tokens ADD COLUMN metadata text NOT NULL DEFAULT '{}';
ALTER TABLE tokens ADD COLUMN ip_allowlist text NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN disabled_at bigint;
DROP TRIGGER tokens_change_seq ON tokens;
CREATE TRIGGER tokens_change_seq BEFORE INSERT OR UPDATE OF revoked_at, expires_at, name,
  permissions, metadata, ip_allowlist, disabled_at ON tokens
  FOR EACH ROW EXECUTE FUNCTION keyward_token_change();
ALTER TABLE accounts ADD COLUMN metadata text NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN rate_limit text;
ALTER TABLE accounts ADD COLUMN account_rate_limit text;
ALTER TABLE accounts ADD COLUMN disabled_at bigint;
ALTER TABLE accounts ADD COLUMN change_seq bigint NOT NULL DEFAULT 0;
CREATE SEQUENCE account_changes;
CREATE INDEX accounts_change_seq ON accounts (change_seq);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE FUNCTION keyward_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4242000006);
  NEW.change_seq := nextval('account_changes');
  RETURN NEW;
END $$;
CREATE TRIGGER accounts_change_seq BEFORE UPDATE OF name, email, plan, metadata, rate_limit,
  account_rate_limit, disabled_at ON accounts
  FOR EACH ROW EXECUTE FUNCTION keyward_account_change();
)sql";

// Version 7: events (API.md 13) and webhooks (API.md 14).
// - events: one row per change of state, written in the change's transaction; `data` is the
//   event's JSON object. `account_id` is NULL for operator-level events.
// - tokens gain the expiry their time-driven notices announced (token.expired, token.expiring):
//   a node claims a notice with a conditional UPDATE of these columns, so each is recorded once
//   across nodes, and again when expires_at changes. Tokens already past expiry are marked as
//   announced (no burst of old notices on upgrade).
// - webhook_endpoints: `owner_account_id` NULL = an operator endpoint (optionally filtered to
//   `account_filter`); `enabled_events` comma-joined; `secret` as sealed by the service;
//   `failing_since` starts an unbroken run of failed attempts (auto-disable).
// - webhook_deliveries: one row per attempt (the deliveries log); the pending rows are the
//   durable queue, leased by one node at a time (`lease_owner`, `lease_until`).
constexpr std::string_view kV7 = R"sql(
CREATE TABLE events (
  seq        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         text    NOT NULL UNIQUE,
  type       text    NOT NULL,
  created    bigint  NOT NULL,
  account_id text,
  livemode   boolean NOT NULL,
  request_id text,
  actor_type text    NOT NULL,
  actor_id   text,
  actor_ip   text,
  data       text    NOT NULL
);
CREATE INDEX events_account_seq ON events (account_id, seq);
CREATE INDEX events_created ON events (created);
ALTER TABLE tokens ADD COLUMN expired_notice bigint;
ALTER TABLE tokens ADD COLUMN expiring_notice bigint;
UPDATE tokens SET expired_notice = expires_at, expiring_notice = expires_at
  WHERE expires_at IS NOT NULL AND expires_at <= extract(epoch FROM now())::bigint;
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE TABLE webhook_endpoints (
  seq              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id               text    NOT NULL UNIQUE,
  owner_account_id text,
  account_filter   text,
  url              text    NOT NULL,
  description      text    NOT NULL DEFAULT '',
  enabled_events   text    NOT NULL,
  status           text    NOT NULL CHECK (status IN ('enabled', 'disabled')),
  secret           text    NOT NULL,
  created          bigint  NOT NULL,
  failing_since    bigint
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_account_id, seq);
CREATE TABLE webhook_deliveries (
  seq             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              text    NOT NULL UNIQUE,
  endpoint_id     text    NOT NULL,
  event_id        text    NOT NULL,
  attempt         bigint  NOT NULL,
  status          text    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  response_status bigint,
  duration_ms     bigint,
  next_attempt_at bigint,
  lease_owner     text,
  lease_until     bigint,
  created         bigint  NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);
)sql";

// Version 8: usage counts (API.md 12). One row per owner, granularity and bucket: `owner` is a
// token id (tok_...), an account id (acct_...) or '*' (the whole service); `granularity` is the
// bucket's length in seconds (60, 3600, 86400) and `start` its first second (UTC). Every flush
// adds its deltas to the minute, hour and day rows of the token, its account and the service.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE usage_counts (
  owner          text    NOT NULL,
  granularity    bigint  NOT NULL,
  start          bigint  NOT NULL,
  valid          bigint  NOT NULL DEFAULT 0,
  rate_limited   bigint  NOT NULL DEFAULT 0,
  quota_exceeded bigint  NOT NULL DEFAULT 0,
  forbidden      bigint  NOT NULL DEFAULT 0,
  unauthorized   bigint  NOT NULL DEFAULT 0,
  credits        bigint  NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, granularity, start)
);
CREATE INDEX usage_counts_age ON usage_counts (granularity, start);
)sql";

// Version 9: operators (API.md 16), the people who run keyward, and their dashboard sessions.
// An operator's email is stored folded to lower case (unique); the one-time set-up token is kept
// as its SHA-256 only, with its expiry, and cleared once used. Operator sessions live in their own
// table (an operator is not an account); the cookie's secret is kept as its SHA-256 only.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE operators (
  id               text   PRIMARY KEY,
  email            text   NOT NULL UNIQUE,
  password_hash    text   NOT NULL DEFAULT '',
  setup_hash       bytea  UNIQUE CHECK (setup_hash IS NULL OR length(setup_hash) = 32),
  setup_expires_at bigint,
  created          bigint NOT NULL
);
CREATE TABLE operator_sessions (
  secret_hash bytea  PRIMARY KEY CHECK (length(secret_hash) = 32),
  operator_id text   NOT NULL REFERENCES operators(id),
  created     bigint NOT NULL,
  expires_at  bigint NOT NULL
);
CREATE INDEX operator_sessions_expires ON operator_sessions (expires_at);
)sql";

// Version 10: plans as stored objects (API.md 11.2) and credit refills. `managed_by` is 'config'
// for the plans of the configuration file (applied at every start) or 'api'; a refill is its three
// columns or NULLs. Accounts gain the last period their plan's refill was applied for
// (core/refill.h period index): a node claims a refill with a conditional UPDATE of it, so each
// period is refilled once across nodes and restarts. event_marks: the armed state of the crossing
// events (credits.low, credits.exhausted: a row while fired; ratelimit.exceeded: the last minute
// announced per token), claimed by a conditional upsert so that each is recorded once.
constexpr std::string_view kV10 = R"sql(
CREATE TABLE plans (
  name                  text    PRIMARY KEY,
  rate_limit            text    NOT NULL,
  account_rate_limit    text,
  refill_amount         bigint,
  refill_interval       text,
  refill_mode           text,
  low_credits_threshold bigint,
  managed_by            text    NOT NULL DEFAULT 'api',
  created               bigint NOT NULL
);
ALTER TABLE accounts ADD COLUMN last_refill_period bigint;
CREATE INDEX accounts_plan ON accounts (plan);
CREATE TABLE event_marks (
  subject text    NOT NULL,
  kind    text    NOT NULL,
  period  bigint NOT NULL,
  PRIMARY KEY (subject, kind)
);
)sql";

// Version 11: imported keys (API.md 11.4). A token imported from another system is marked, so that every
// node (at start, and through the change feed) knows to accept foreign-format keys.
constexpr char kV11[] = R"sql(
ALTER TABLE tokens ADD COLUMN imported boolean NOT NULL DEFAULT false;
)sql";

constexpr std::array<std::string_view, 11> kMigrations = {kV1, kV2, kV3, kV4,  kV5, kV6,
                                                          kV7, kV8, kV9, kV10, kV11};

const std::string kLock = "SELECT pg_advisory_xact_lock($1)";
const std::string kCreateVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version bigint PRIMARY KEY, applied_at bigint NOT NULL)";
const std::string kCurrentVersion =
    "SELECT COALESCE(MAX(version), 0)::bigint FROM schema_migrations";
const std::string kRecordVersion =
    "INSERT INTO schema_migrations (version, applied_at) "
    "VALUES ($1, extract(epoch FROM now())::bigint)";

}  // namespace

std::span<const std::string_view> Migrations() {
  return kMigrations;
}

Status Migrate(Connection& conn) {
  Transaction tx(conn);
  if (Status s = tx.Begin(); !s.ok()) return s;
  // Serialises concurrent starts; released by COMMIT or ROLLBACK.
  if (auto r = conn.Exec(kLock, Params().Add(kMigrationLockKey)); !r.ok()) return r.error();
  if (Status s = conn.ExecScript(kCreateVersionTable, "create schema_migrations"); !s.ok()) {
    return s;
  }
  Result<Rows> version = conn.Exec(kCurrentVersion);
  if (!version.ok()) return version.error();
  const int64_t current = version->Int(0, 0);
  const auto known = static_cast<int64_t>(kMigrations.size());
  if (current > known) {
    return Error(ErrorCode::kInternalError,
                 "PostgreSQL: the store's schema version " + std::to_string(current) +
                     " was written by a newer keyward release; this binary knows versions up to " +
                     std::to_string(known) +
                     ": upgrade keyward, or restore a backup taken before the upgrade");
  }
  for (int64_t v = current + 1; v <= known; ++v) {
    const std::string context = "migration " + std::to_string(v);
    if (Status s = conn.ExecScript(std::string(kMigrations[v - 1]), context); !s.ok()) return s;
    if (auto r = conn.Exec(kRecordVersion, Params().Add(v)); !r.ok()) return r.error();
  }
  return tx.Commit();
}

}  // namespace keyward::pg
