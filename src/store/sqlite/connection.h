// One SQLite connection with a per-connection cache of prepared statements, a scoped statement
// handle (Stmt) that resets itself, and a BEGIN IMMEDIATE transaction guard that rolls back unless
// committed. The building blocks of SqliteStore; nothing here knows the schema.
//
// Thread-safety: a Connection (and every Stmt and Transaction made from it) must be used by one
// thread at a time; SqliteStore guarantees that with its writer mutex and its read pool.
// Errors: SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR and
// SQLITE_CANTOPEN become kUnavailable (the store cannot serve this now), anything else
// kInternalError. The public text is a sentence of ours; SQLite's message goes to
// Error::internal() only (never bound values).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/sha256.h"
#include "core/status.h"

namespace keyward::sqlite {

// kFull: a commit is on disk when it returns; kNormal: may lose the last commits on power loss
// (never on a process crash); kOff: leaves flushing to the operating system — for tests only.
enum class Synchronous { kFull, kNormal, kOff };

// The Error for result code `rc` from `db` (which may be null): our sentence in public, `context`
// and SQLite's message in internal().
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// A cached prepared statement in use. Binds by 1-based index; Step() runs it; the destructor
// resets the statement and clears its bindings so the cache can hand it out again. Text and blob
// bindings are not copied: the bound data must outlive the last Step().
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& Bind(int index, int64_t value);
  Stmt& Bind(int index, std::string_view value);
  Stmt& Bind(int index, const Digest& value);
  Stmt& Bind(int index, std::optional<int64_t> value);
  Stmt& BindNull(int index);

  // true: a row is available; false: done. Errors (including any from binding) as Error.
  Result<bool> Step();
  // Makes the statement ready to run again (bindings are kept until rebound).
  void Reset() { sqlite3_reset(stmt_); }
  // Steps a statement that must not return rows (or whose rows are ignored) to completion.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::optional<int64_t> OptionalInt(int col) const;
  std::string_view Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  // True for a statement that cannot change the database (a plain SELECT).
  bool ReadOnly() const { return sqlite3_stmt_readonly(stmt_) != 0; }
  // False unless the column is a 32-byte blob.
  bool ReadDigest(int col, Digest* out) const;

 private:
  void Note(int rc);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // first binding failure, reported by Step()
};

class Connection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens `path` and applies busy_timeout, foreign_keys=ON and `sync`; a read-write connection
  // also creates the file and switches it to WAL.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, Mode mode,
                                                  Synchronous sync, int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The statement for `sql`, prepared once (SQLITE_PREPARE_PERSISTENT) and cached by the address
  // of `sql`: pass string constants with static storage only.
  Result<Stmt> Prepare(const char* sql);
  // Runs one or more statements without caching (pragmas, migrations).
  Status Exec(const char* sql, std::string_view context);

  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE … COMMIT on a read-write connection; rolls back in the destructor unless
// Commit() succeeded.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  Status Begin();
  Status Commit();

 private:
  Connection& conn_;
  bool open_ = false;
};

}  // namespace keyward::sqlite
