// The SQL driver (sql/driver.h) on PostgreSQL: every unit of work on a connection from the
// bounded pool (pool.h); Read() and Write() run each statement on its own (autocommit),
// Transaction() inside BEGIN … COMMIT and rolls back when the work fails. Statements are prepared
// once per connection and run with parameters ($N text, connection.h); Stream() fetches rows in
// single-row mode.
//
// Thread-safety: all methods may be called concurrently from any thread; a unit of work holds one
// pooled connection while it runs (so work that uses the store again needs a second connection).
// Errors: those of pg::Connection and pg::Pool — kUnavailable when the server is unreachable,
// restarting or every connection stays busy, kInvalidRequest for text with a NUL character,
// kInternalError for anything else. A connection lost during COMMIT gives kUnavailable although
// the change may have landed.
#pragma once

#include <memory>

#include "store/postgres/pool.h"
#include "store/sql/driver.h"

namespace keyward::pg {

class PostgresDriver final : public sql::Driver {
 public:
  explicit PostgresDriver(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

  Status Read(const sql::Work& work) override;
  Status Write(const sql::Work& work) override;
  Status Transaction(const sql::Work& work) override;

 private:
  std::unique_ptr<Pool> pool_;
};

}  // namespace keyward::pg
