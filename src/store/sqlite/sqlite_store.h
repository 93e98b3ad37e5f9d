// The Store on one SQLite file: the one SQL store (sql/sql_store.h) over the SQLite driver
// (sqlite_driver.h: WAL, a single writer behind a group-commit queue, a pool of read-only
// connections) and the SQLite dialect (sql/dialect.h).
// Several SqliteStore instances (in one process or several, e.g. the CLI beside a running server)
// may share a file: SQLite's locks and a busy timeout (5 s by default) serialise their writers.
//
// Thread-safety: all methods may be called concurrently from any thread (see Store).
// ForEachUnrevokedToken holds one pooled read connection (and one read snapshot) while it calls
// `fn`; `fn` may use the store, but not call ForEachUnrevokedToken again.
// Durability: with Synchronous::kFull (the default) a write is on disk when the call returns OK;
// kNormal may lose the last commits on power loss (never on a process crash); kOff is for tests.
// Errors: busy or locked beyond the timeout, or a file that cannot be opened → kUnavailable;
// anything else from SQLite → kInternalError (see Store for kInvalidRequest).
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "store/sql/sql_store.h"
#include "store/sqlite/sqlite_driver.h"

namespace keyward {

using SqliteOptions = sqlite::DriverOptions;

class SqliteStore final : public SqlStore {
 public:
  // Opens (creating if needed) the database file at `path` — its directory must exist — and
  // applies pending migrations.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteOptions options = {});

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::SqliteDriver> driver)
      : SqlStore(std::move(driver), sql::SqliteDialect()) {}
};

}  // namespace keyward
