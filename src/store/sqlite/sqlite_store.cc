// SqliteStore: opening, admin keys and the liveness probe. Accounts and tokens are in
// sqlite_store_accounts.cc and sqlite_store_tokens.cc.
#include "store/sqlite/sqlite_store.h"

#include <utility>

#include "store/sqlite/migrations.h"
#include "store/sqlite/rows.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr char kInsertAdminKey[] =
    "INSERT INTO admin_keys (" KEYWARD_ADMIN_KEY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
// One statement on the single writer connection: atomic, also against other processes (SQLite's
// write lock).
constexpr char kInsertFirstAdminKey[] = "INSERT INTO admin_keys (" KEYWARD_ADMIN_KEY_COLUMNS
                                        ") SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
                                        "WHERE NOT EXISTS (SELECT 1 FROM admin_keys)";
constexpr char kSelectAdminKeyByHash[] =
    "SELECT " KEYWARD_ADMIN_KEY_COLUMNS " FROM admin_keys WHERE key_hash = ?1";
constexpr char kCountAdminKeys[] = "SELECT COUNT(*) FROM admin_keys";
constexpr char kPing[] = "SELECT 1";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteOptions options) {
  Result<std::unique_ptr<Connection>> writer = Connection::Open(
      path, Connection::Mode::kReadWrite, options.synchronous, options.busy_timeout_ms);
  if (!writer.ok()) return writer.error();
  if (Status s = sqlite::Migrate(**writer); !s.ok()) return s.error();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(writer).value(), path, options));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> writer, const std::string& path,
                         const SqliteOptions& options)
    : writer_(std::move(writer)),
      writes_(*writer_),
      readers_(path, options.synchronous, options.busy_timeout_ms, options.read_connections) {}

SqliteStore::~SqliteStore() = default;

Result<bool> SqliteStore::InsertAdminKeyWith(const char* sql, const AdminKeyRow& key) {
  bool inserted = false;
  Status st = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(sql);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, key.id)
        .Bind(2, key.name)
        .Bind(3, key.key_hash)
        .Bind(4, key.key_prefix)
        .Bind(5, key.last4)
        .Bind(6, key.created)
        .Bind(7, key.revoked_at);
    if (Status run = stmt->Run(); !run.ok()) return run;
    inserted = sqlite3_changes64(conn.raw()) > 0;
    return Status::Ok();
  });
  if (!st.ok()) return st.error();
  return inserted;
}

Status SqliteStore::InsertAdminKey(const AdminKeyRow& key) {
  Result<bool> inserted = InsertAdminKeyWith(kInsertAdminKey, key);
  if (!inserted.ok()) return inserted.error();
  return Status::Ok();
}

Result<bool> SqliteStore::InsertFirstAdminKey(const AdminKeyRow& key) {
  return InsertAdminKeyWith(kInsertFirstAdminKey, key);
}

Result<std::optional<AdminKeyRow>> SqliteStore::FindAdminKeyByHash(const Digest& key_hash) {
  return Read([&](Connection& conn) -> Result<std::optional<AdminKeyRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectAdminKeyByHash);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, key_hash);
    return sqlite::StepAdminKey(*stmt);
  });
}

Result<int64_t> SqliteStore::CountAdminKeys() {
  return Read([&](Connection& conn) -> Result<int64_t> {
    Result<Stmt> stmt = conn.Prepare(kCountAdminKeys);
    if (!stmt.ok()) return stmt.error();
    Result<bool> row = stmt->Step();
    if (!row.ok()) return row.error();
    return stmt->Int(0);
  });
}

Status SqliteStore::Ping() {
  return Read([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kPing);
    if (!stmt.ok()) return stmt.error();
    return stmt->Run();
  });
}

}  // namespace keyward
