#include "store/sqlite/migrations.h"

#include <array>
#include <string>

namespace keyward::sqlite {
namespace {

// Version 1: accounts, API keys ("tokens") and admin keys. `seq` orders rows newest first;
// `email` is NULL when empty so that only real addresses are unique; permissions are joined
// with commas (a permission never contains one).
constexpr std::string_view kV1 = R"sql(
CREATE TABLE accounts (
  seq           INTEGER PRIMARY KEY,
  id            TEXT    NOT NULL UNIQUE,
  email         TEXT    COLLATE NOCASE UNIQUE,
  name          TEXT    NOT NULL DEFAULT '',
  credits       INTEGER,
  credits_used  INTEGER NOT NULL DEFAULT 0,
  plan          TEXT    NOT NULL,
  password_hash TEXT    NOT NULL DEFAULT '',
  created       INTEGER NOT NULL
);
CREATE TABLE tokens (
  seq          INTEGER PRIMARY KEY,
  id           TEXT    NOT NULL UNIQUE,
  account_id   TEXT    NOT NULL REFERENCES accounts(id),
  name         TEXT    NOT NULL DEFAULT '',
  type         TEXT    NOT NULL CHECK (type IN ('secret', 'publishable', 'restricted')),
  key_hash     BLOB    NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  key_prefix   TEXT    NOT NULL,
  last4        TEXT    NOT NULL,
  permissions  TEXT    NOT NULL DEFAULT '',
  livemode     INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  created      INTEGER NOT NULL,
  expires_at   INTEGER,
  revoked_at   INTEGER,
  last_used_at INTEGER
);
CREATE INDEX tokens_account_seq ON tokens (account_id, seq);
CREATE TABLE admin_keys (
  seq        INTEGER PRIMARY KEY,
  id         TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL DEFAULT '',
  key_hash   BLOB    NOT NULL UNIQUE CHECK (length(key_hash) = 32),
  key_prefix TEXT    NOT NULL,
  last4      TEXT    NOT NULL,
  created    INTEGER NOT NULL,
  revoked_at INTEGER
);
)sql";

// Version 2: access tokens (API.md 3), stored by hash; they die with their parent key.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE access_tokens (
  seq         INTEGER PRIMARY KEY,
  token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  parent_id   TEXT    NOT NULL REFERENCES tokens(id),
  parent_hash BLOB    NOT NULL CHECK (length(parent_hash) = 32),
  account_id  TEXT    NOT NULL,
  created     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX access_tokens_expires ON access_tokens (expires_at);
)sql";

// Version 3: Idempotency-Key records (API.md 1.4), kept 24 h.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE idempotency_keys (
  scope       TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  fingerprint BLOB    NOT NULL CHECK (length(fingerprint) = 32),
  done        INTEGER NOT NULL CHECK (done IN (0, 1)),
  status      INTEGER NOT NULL DEFAULT 0,
  body        TEXT    NOT NULL DEFAULT '',
  created     INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
)sql";

// Version 4: dashboard sessions and agent sign-in requests (API.md 8), both kept by the SHA-256
// of their secret only. An agent request's account_id is NULL until someone decides it.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE sessions (
  secret_hash BLOB    PRIMARY KEY CHECK (length(secret_hash) = 32),
  account_id  TEXT    NOT NULL REFERENCES accounts(id),
  created     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE TABLE agent_auth_requests (
  token_hash  BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),
  status      TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'consumed')),
  account_id  TEXT    REFERENCES accounts(id),
  client_name TEXT    NOT NULL DEFAULT '',
  token_id    TEXT    NOT NULL DEFAULT '',
  created     INTEGER NOT NULL,
  decided_at  INTEGER
);
CREATE INDEX agent_auth_requests_created ON agent_auth_requests (created);
)sql";

// Version 5: a change sequence on tokens, so that several nodes sharing the store can ask for
// what changed since they last looked (Store::ForEachTokenChangedAfter).
constexpr std::string_view kV5 = R"sql(
ALTER TABLE tokens ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE tokens SET change_seq = seq;
CREATE INDEX tokens_change_seq ON tokens (change_seq);
)sql";

// Version 6: runtime control (API.md 11). Tokens gain metadata (compact JSON), an IP allowlist
// (normalised CIDRs joined with commas) and disabled_at; accounts gain metadata, limit overrides,
// disabled_at and a change sequence of their own (accounts changed since a node last looked:
// Store::ForEachAccountChangedAfter).
constexpr std::string_view kV6 = R"sql(
ALTER TABLE tokens ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE tokens ADD COLUMN ip_allowlist TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN disabled_at INTEGER;
ALTER TABLE accounts ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN rate_limit TEXT;
ALTER TABLE accounts ADD COLUMN account_rate_limit TEXT;
ALTER TABLE accounts ADD COLUMN disabled_at INTEGER;
ALTER TABLE accounts ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX accounts_change_seq ON accounts (change_seq);
CREATE INDEX sessions_account ON sessions (account_id);
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
  seq        INTEGER PRIMARY KEY,
  id         TEXT    NOT NULL UNIQUE,
  type       TEXT    NOT NULL,
  created    INTEGER NOT NULL,
  account_id TEXT,
  livemode   INTEGER NOT NULL CHECK (livemode IN (0, 1)),
  request_id TEXT,
  actor_type TEXT    NOT NULL,
  actor_id   TEXT,
  actor_ip   TEXT,
  data       TEXT    NOT NULL
);
CREATE INDEX events_account_seq ON events (account_id, seq);
CREATE INDEX events_created ON events (created);
ALTER TABLE tokens ADD COLUMN expired_notice INTEGER;
ALTER TABLE tokens ADD COLUMN expiring_notice INTEGER;
UPDATE tokens SET expired_notice = expires_at, expiring_notice = expires_at
  WHERE expires_at IS NOT NULL AND expires_at <= CAST(strftime('%s', 'now') AS INTEGER);
CREATE INDEX tokens_expires_at ON tokens (expires_at);
CREATE TABLE webhook_endpoints (
  seq              INTEGER PRIMARY KEY,
  id               TEXT    NOT NULL UNIQUE,
  owner_account_id TEXT,
  account_filter   TEXT,
  url              TEXT    NOT NULL,
  description      TEXT    NOT NULL DEFAULT '',
  enabled_events   TEXT    NOT NULL,
  status           TEXT    NOT NULL CHECK (status IN ('enabled', 'disabled')),
  secret           TEXT    NOT NULL,
  created          INTEGER NOT NULL,
  failing_since    INTEGER
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner_account_id, seq);
CREATE TABLE webhook_deliveries (
  seq             INTEGER PRIMARY KEY,
  id              TEXT    NOT NULL UNIQUE,
  endpoint_id     TEXT    NOT NULL,
  event_id        TEXT    NOT NULL,
  attempt         INTEGER NOT NULL,
  status          TEXT    NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  response_status INTEGER,
  duration_ms     INTEGER,
  next_attempt_at INTEGER,
  lease_owner     TEXT,
  lease_until     INTEGER,
  created         INTEGER NOT NULL
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
  owner          TEXT    NOT NULL,
  granularity    INTEGER NOT NULL,
  start          INTEGER NOT NULL,
  valid          INTEGER NOT NULL DEFAULT 0,
  rate_limited   INTEGER NOT NULL DEFAULT 0,
  quota_exceeded INTEGER NOT NULL DEFAULT 0,
  forbidden      INTEGER NOT NULL DEFAULT 0,
  unauthorized   INTEGER NOT NULL DEFAULT 0,
  credits        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (owner, granularity, start)
) WITHOUT ROWID;
CREATE INDEX usage_counts_age ON usage_counts (granularity, start);
)sql";

// Version 9: operators (API.md 16), the people who run keyward, and their dashboard sessions.
// An operator's email is stored folded to lower case (unique); the one-time set-up token is kept
// as its SHA-256 only, with its expiry, and cleared once used. Operator sessions live in their own
// table (an operator is not an account); the cookie's secret is kept as its SHA-256 only.
constexpr std::string_view kV9 = R"sql(
CREATE TABLE operators (
  id               TEXT    PRIMARY KEY,
  email            TEXT    NOT NULL UNIQUE,
  password_hash    TEXT    NOT NULL DEFAULT '',
  setup_hash       BLOB    UNIQUE CHECK (setup_hash IS NULL OR length(setup_hash) = 32),
  setup_expires_at INTEGER,
  created          INTEGER NOT NULL
);
CREATE TABLE operator_sessions (
  secret_hash BLOB    PRIMARY KEY CHECK (length(secret_hash) = 32),
  operator_id TEXT    NOT NULL REFERENCES operators(id),
  created     INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL
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
  name                  TEXT    PRIMARY KEY,
  rate_limit            TEXT    NOT NULL,
  account_rate_limit    TEXT,
  refill_amount         INTEGER,
  refill_interval       TEXT,
  refill_mode           TEXT,
  low_credits_threshold INTEGER,
  managed_by            TEXT    NOT NULL DEFAULT 'api',
  created               INTEGER NOT NULL
);
ALTER TABLE accounts ADD COLUMN last_refill_period INTEGER;
CREATE INDEX accounts_plan ON accounts (plan);
CREATE TABLE event_marks (
  subject TEXT    NOT NULL,
  kind    TEXT    NOT NULL,
  period  INTEGER NOT NULL,
  PRIMARY KEY (subject, kind)
);
)sql";

// Version 11: imported keys (API.md 11.4). A token imported from another system is marked, so that every
// node (at start, and through the change feed) knows to accept foreign-format keys.
constexpr char kV11[] = R"sql(
ALTER TABLE tokens ADD COLUMN imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1));
)sql";

constexpr std::array<std::string_view, 11> kMigrations = {kV1, kV2, kV3, kV4,  kV5, kV6,
                                                          kV7, kV8, kV9, kV10, kV11};

constexpr char kCreateVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)";
constexpr char kCurrentVersion[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr char kRecordVersion[] =
    "INSERT INTO schema_migrations (version, applied_at) "
    "VALUES (?1, CAST(strftime('%s', 'now') AS INTEGER))";

}  // namespace

std::span<const std::string_view> Migrations() {
  return kMigrations;
}

Status Migrate(Connection& conn) {
  Transaction tx(conn);
  if (Status s = tx.Begin(); !s.ok()) return s;
  if (Status s = conn.Exec(kCreateVersionTable, "create schema_migrations"); !s.ok()) return s;

  int64_t current = 0;
  {
    Result<Stmt> stmt = conn.Prepare(kCurrentVersion);
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    current = stmt->Int(0);
  }
  const auto known = static_cast<int64_t>(kMigrations.size());
  if (current > known) {
    return Error(ErrorCode::kInternalError,
                 "sqlite: the store's schema version " + std::to_string(current) +
                     " was written by a newer keyward release; this binary knows versions up to " +
                     std::to_string(known) +
                     ": upgrade keyward, or restore a backup taken before the upgrade");
  }
  for (int64_t version = current + 1; version <= known; ++version) {
    const std::string sql(kMigrations[version - 1]);  // sqlite3_exec needs a terminated string
    const std::string context = "migration " + std::to_string(version);
    if (Status s = conn.Exec(sql.c_str(), context); !s.ok()) return s;
    Result<Stmt> record = conn.Prepare(kRecordVersion);
    if (!record.ok()) return record.error();
    record->Bind(1, version);
    if (Status s = record->Run(); !s.ok()) return s;
  }
  return tx.Commit();
}

}  // namespace keyward::sqlite
