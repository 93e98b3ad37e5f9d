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

constexpr std::array<std::string_view, 3> kMigrations = {kV1, kV2, kV3};

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
                 "PostgreSQL: database schema version " + std::to_string(current) +
                     " is newer than this binary supports (" + std::to_string(known) + ")");
  }
  for (int64_t v = current + 1; v <= known; ++v) {
    const std::string context = "migration " + std::to_string(v);
    if (Status s = conn.ExecScript(std::string(kMigrations[v - 1]), context); !s.ok()) return s;
    if (auto r = conn.Exec(kRecordVersion, Params().Add(v)); !r.ok()) return r.error();
  }
  return tx.Commit();
}

}  // namespace keyward::pg
