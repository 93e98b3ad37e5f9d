// The SQL driver (sql/driver.h) on one SQLite file in WAL mode: Read() on a pooled read-only
// connection (read_pool.h), so reads never wait for a write; Write() and Transaction() through
// the group-commit queue on the single writer connection (write_queue.h), where every unit of
// work runs inside its own savepoint of a shared transaction and returns once that has committed.
// On one writer both write modes are all or nothing, and every write is serialised — which is
// what the SQLite dialect's change_seq and first-admin-key statements rely on.
// Statements are prepared once per connection, their ?N text cached by address (statement.h).
//
// Thread-safety: all methods may be called concurrently from any thread. A unit of work given to
// Write()/Transaction() runs on the group-commit leader's thread and must not write through the
// driver itself.
// Durability: see Synchronous (connection.h); with kFull a write is on disk when it returns OK.
// Errors: busy or locked beyond the busy timeout, or a file that cannot be opened → kUnavailable;
// anything else from SQLite → kInternalError.
#pragma once

#include <memory>
#include <string>

#include "store/sql/driver.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/write_queue.h"

namespace keyward::sqlite {

struct DriverOptions {
  Synchronous synchronous = Synchronous::kFull;
  int busy_timeout_ms = 5000;  // how long a write waits for another writer before kUnavailable
  int read_connections = 4;    // the most read-only connections opened at once
};

class SqliteDriver final : public sql::Driver {
 public:
  // Opens (creating if needed) the database file at `path` — its directory must exist — and
  // applies pending migrations.
  static Result<std::unique_ptr<SqliteDriver>> Open(const std::string& path,
                                                    const DriverOptions& options);
  ~SqliteDriver() override;

  Status Read(const sql::Work& work) override;
  Status Write(const sql::Work& work) override;
  Status Transaction(const sql::Work& work) override;

 private:
  SqliteDriver(std::unique_ptr<Connection> writer, const std::string& path,
               const DriverOptions& options);

  std::unique_ptr<Connection> writer_;  // used only through writes_
  WriteQueue writes_;                   // the only path to writer_
  ReadPool readers_;                    // destroyed before the writer (declared after)
};

}  // namespace keyward::sqlite
