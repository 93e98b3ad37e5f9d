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

constexpr std::array<std::string_view, 6> kMigrations = {kV1, kV2, kV3, kV4, kV5, kV6};

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
                 "sqlite: database schema version " + std::to_string(current) +
                     " is newer than this binary supports (" + std::to_string(known) + ")");
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
