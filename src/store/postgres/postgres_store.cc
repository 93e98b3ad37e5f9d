// PostgresStore: opening, admin keys and the liveness probe.
#include "store/postgres/postgres_store.h"

#include <utility>

#include "store/postgres/migrations.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

const std::string kInsertAdminKey =
    "INSERT INTO admin_keys (" KEYWARD_PG_ADMIN_KEY_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)";
// Serialises first-admin-key creation between nodes; the check runs after the lock is held, in a
// statement of its own (READ COMMITTED: it sees every commit made before it started).
const std::string kLockFirstAdminKey = "SELECT pg_advisory_xact_lock(4242000100)";
const std::string kInsertFirstAdminKey = "INSERT INTO admin_keys (" KEYWARD_PG_ADMIN_KEY_COLUMNS
                                         ") SELECT $1, $2, $3, $4, $5, $6, $7 "
                                         "WHERE NOT EXISTS (SELECT 1 FROM admin_keys)";
const std::string kSelectAdminKeyByHash =
    "SELECT " KEYWARD_PG_ADMIN_KEY_COLUMNS " FROM admin_keys WHERE key_hash = $1";
const std::string kCountAdminKeys = "SELECT COUNT(*) FROM admin_keys";
const std::string kPing = "SELECT 1";
const std::string kNotify = "SELECT pg_notify($1, $2)";

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                           PostgresOptions options) {
  pg::PoolOptions pool_options;
  pool_options.max_size = options.pool_size < 2 ? 2 : options.pool_size;
  pool_options.acquire_timeout = std::chrono::milliseconds(options.acquire_timeout_ms);
  pool_options.connect_timeout_seconds = options.connect_timeout_seconds;
  auto pool = std::make_unique<pg::Pool>(url, pool_options);
  {
    Result<pg::Pool::Lease> lease = pool->Acquire();
    if (!lease.ok()) return lease.error();
    if (Status s = pg::Migrate(**lease); !s.ok()) return s.error();
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(url, std::move(pool)));
}

PostgresStore::~PostgresStore() = default;

Result<int64_t> PostgresStore::Change(const std::string& sql, const Params& params) {
  return With([&](Connection& conn) -> Result<int64_t> {
    Result<Rows> rows = conn.Exec(sql, params);
    if (!rows.ok()) return rows.error();
    return rows->affected();
  });
}

namespace {

Params AdminKeyParams(const AdminKeyRow& key) {
  Params p;
  p.Add(key.id)
      .Add(key.name)
      .Add(key.key_hash)
      .Add(key.key_prefix)
      .Add(key.last4)
      .Add(key.created)
      .Add(key.revoked_at);
  return p;
}

}  // namespace

Status PostgresStore::InsertAdminKey(const AdminKeyRow& key) {
  Result<int64_t> n = Change(kInsertAdminKey, AdminKeyParams(key));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<bool> PostgresStore::InsertFirstAdminKey(const AdminKeyRow& key) {
  const Params p = AdminKeyParams(key);
  bool inserted = false;
  Status st = InTransaction([&](Connection& conn) -> Status {
    if (Result<Rows> lock = conn.Exec(kLockFirstAdminKey); !lock.ok()) return lock.error();
    Result<Rows> rows = conn.Exec(kInsertFirstAdminKey, p);
    if (!rows.ok()) return rows.error();
    inserted = rows->affected() > 0;
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return inserted;
}

Result<std::optional<AdminKeyRow>> PostgresStore::FindAdminKeyByHash(const Digest& key_hash) {
  return With([&](Connection& conn) -> Result<std::optional<AdminKeyRow>> {
    Result<Rows> rows = conn.Exec(kSelectAdminKeyByHash, Params().Add(key_hash));
    if (!rows.ok()) return rows.error();
    return pg::FirstAdminKey(*rows);
  });
}

Result<int64_t> PostgresStore::CountAdminKeys() {
  return With([&](Connection& conn) -> Result<int64_t> {
    Result<Rows> rows = conn.Exec(kCountAdminKeys);
    if (!rows.ok()) return rows.error();
    return rows->Int(0, 0);
  });
}

Status PostgresStore::Ping() {
  return With([&](Connection& conn) -> Status {
    Result<Rows> rows = conn.Exec(kPing);
    if (!rows.ok()) return rows.error();
    return Status::Ok();
  });
}

Status PostgresStore::Notify(std::string_view channel, std::string_view payload) {
  Result<int64_t> n = Change(kNotify, Params().Add(channel).Add(payload));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<std::unique_ptr<PostgresListener>> PostgresStore::Listen(const std::string& channel) const {
  return PostgresListener::Open(url_, channel);
}

}  // namespace keyward
