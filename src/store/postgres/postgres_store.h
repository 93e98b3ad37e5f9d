// The Store on PostgreSQL (15 or later): what several keyward nodes share. The one SQL store
// (sql/sql_store.h) over the PostgreSQL driver (postgres_driver.h: a bounded pool of connections,
// statements prepared once per connection and run with parameters) and the PostgreSQL dialect
// (sql/dialect.h); plus this engine's change feed (LISTEN/NOTIFY) between the nodes.
//
// Semantics are those of the Store contract, the same as SQLite's (the conformance suite runs
// against both), across nodes too:
// - durable when a call returns OK (a COMMIT with the server's synchronous_commit, on by default);
//   a connection lost during COMMIT gives kUnavailable although the change may have landed (as
//   with any database client: a retry with the same Idempotency-Key settles it);
// - AddCredits and RecordCreditUsage are single atomic UPDATEs clamped at zero (no lost update
//   between nodes); RollToken locks the old row (SELECT … FOR UPDATE) and inserts the replacement
//   in the same transaction; batch writes lock rows in a fixed order, so two nodes flushing
//   usage at once cannot deadlock;
// - ClaimIdempotencyKey is one INSERT … ON CONFLICT DO UPDATE … WHERE (stale): of two nodes
//   claiming the same (scope, key) at once exactly one wins.
// Migrations run at Open() (see migrations.h); the database role needs only to own its database
// (CREATE on it, no superuser).
//
// Thread-safety: all methods may be called concurrently from any thread (see Store).
// ForEachUnrevokedToken / ForEachAccessToken hold one pooled connection while they call `fn`;
// `fn` may use the store (another connection), so the pool needs at least two connections.
// Errors: server unreachable, shutting down, restarting or out of connections → kUnavailable with a
// message saying why (never the URL); anything else → kInternalError; see Store for
// kInvalidRequest. Text containing a NUL character (which PostgreSQL cannot store) →
// kInvalidRequest. After the server comes back, the pool reconnects by itself.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/listener.h"
#include "store/sql/sql_store.h"

namespace keyward {

struct PostgresOptions {
  int pool_size = StoreOptions{}.pool_size;  // connections per store (per node), at least 2
  int acquire_timeout_ms = 5000;             // waiting for a busy pool before kUnavailable
  int connect_timeout_seconds = 5;           // unless the URL sets connect_timeout
};

class PostgresStore final : public SqlStore {
 public:
  // Connects to `url` (postgres://user:password@host:port/db?param=value, as libpq accepts) and
  // applies pending migrations. kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PostgresStore>> Open(const std::string& url,
                                                     PostgresOptions options = {});

  // A PostgresChangeFeed (postgres_change_feed.h) on this store's database. The store must
  // outlive it.
  std::unique_ptr<ChangeFeed> OpenChangeFeed() override;

  // NOTIFY `channel` with `payload` (pg_notify, parameters only) for a PostgresListener
  // (listener.h). Delivered to listeners connected at that moment.
  Status Notify(std::string_view channel, std::string_view payload);
  // A PostgresListener on `channel` with its own connection to this store's database (see
  // PostgresListener::Open). Thread-safe.
  Result<std::unique_ptr<PostgresListener>> Listen(const std::string& channel) const;

 private:
  PostgresStore(std::string url, std::unique_ptr<sql::Driver> driver);

  const std::string url_;  // for listeners; never logged (it may carry a password)
};

}  // namespace keyward
