// SqlStore: construction, admin keys and the liveness probe.
#include "store/sql/sql_store.h"

#include <utility>

#include "store/sql/binding_driver.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsertAdminKey("INSERT INTO admin_keys (" KEYWARD_ADMIN_KEY_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6, $7)");
// Atomic on SQLite's single writer; on PostgreSQL after the dialect's advisory lock.
const Statement kInsertFirstAdminKey("INSERT INTO admin_keys (" KEYWARD_ADMIN_KEY_COLUMNS
                                     ") SELECT $1, $2, $3, $4, $5, $6, $7"
                                     " WHERE NOT EXISTS (SELECT 1 FROM admin_keys)");
const Statement kSelectAdminKeyByHash("SELECT " KEYWARD_ADMIN_KEY_COLUMNS
                                      " FROM admin_keys WHERE key_hash = $1");
const Statement kCountAdminKeys("SELECT COUNT(*) FROM admin_keys");
const Statement kPing("SELECT 1");

}  // namespace

SqlStore::SqlStore(std::unique_ptr<sql::Driver> driver, const sql::Dialect& dialect)
    : driver_(std::make_unique<sql::BindingDriver>(std::move(driver))), dialect_(dialect) {}

SqlStore::~SqlStore() = default;

Result<int64_t> SqlStore::Change(const Statement& statement, const Params& params) {
  return Run<int64_t>(&sql::Driver::Write,
                      [&](Session& session) { return session.Run(statement, params); });
}

Status SqlStore::InsertAdminKey(const AdminKeyRow& key, const EventFor<AdminKeyRow>& event) {
  Params params;
  sql::AddParams(key, &params);
  return driver_->Transaction([&](Session& session) -> Status {
    if (Result<int64_t> ran = session.Run(kInsertAdminKey, params); !ran.ok()) return ran.error();
    return RecordEvent<AdminKeyRow>(session, event, nullptr, key);
  });
}

Result<bool> SqlStore::InsertFirstAdminKey(const AdminKeyRow& key,
                                           const EventFor<AdminKeyRow>& event) {
  Params params;
  sql::AddParams(key, &params);
  return Run<bool>(&sql::Driver::Transaction, [&](Session& session) -> Result<bool> {
    if (dialect_.lock_first_admin_key) {
      Result<int64_t> locked = session.Run(*dialect_.lock_first_admin_key);
      if (!locked.ok()) return locked.error();
    }
    Result<int64_t> inserted = session.Run(kInsertFirstAdminKey, params);
    if (!inserted.ok()) return inserted.error();
    if (*inserted == 0) return false;
    if (Status s = RecordEvent<AdminKeyRow>(session, event, nullptr, key); !s.ok()) {
      return s.error();
    }
    return true;
  });
}

Result<std::optional<AdminKeyRow>> SqlStore::FindAdminKeyByHash(const Digest& key_hash) {
  return ReadOne<AdminKeyRow>(kSelectAdminKeyByHash, Params().Add(key_hash));
}

Result<int64_t> SqlStore::CountAdminKeys() {
  return Run<int64_t>(&sql::Driver::Read, [&](Session& session) -> Result<int64_t> {
    int64_t count = 0;
    Result<int64_t> ran = session.Run(kCountAdminKeys, {}, [&](const sql::Row& row) {
      count = row.Int(0);
      return Status::Ok();
    });
    if (!ran.ok()) return ran.error();
    return count;
  });
}

Status SqlStore::Ping() {
  return driver_->Read([&](Session& session) -> Status {
    Result<int64_t> ran = session.Run(kPing);
    if (!ran.ok()) return ran.error();
    return Status::Ok();
  });
}

}  // namespace keyward
