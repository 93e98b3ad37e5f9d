// One libpq connection with a per-connection cache of prepared statements, query parameters
// (Params), binary-format results (Rows) and a transaction guard. The building blocks of
// PostgresStore; nothing here knows the schema.
//
// Every statement runs through PQprepare/PQexecPrepared: values travel only as parameters, never
// inside SQL text. Parameters are sent as text except bytea (binary); results come back in binary
// format (int8/int4/int2 as big-endian integers, bool as one byte, text and bytea as raw bytes).
//
// Thread-safety: a Connection (and every Rows and Transaction made from it) must be used by one
// thread at a time; the Pool guarantees that.
// Errors: a lost or refused connection, a server shutting down, too many connections,
// serialization failures and deadlocks become kUnavailable; anything else kInternalError.
// The public text is a sentence of ours; the server's primary message (never DETAIL, which may
// quote values) and the SQLSTATE go to Error::internal() only, and never the connection URL.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/sha256.h"
#include "core/status.h"

namespace keyward::pg {

// Positional parameters $1, $2, ... in the order added. Copies what it is given.
class Params {
 public:
  Params& Add(int64_t value);
  Params& Add(std::optional<int64_t> value);  // nullopt → NULL
  Params& Add(bool value);
  Params& Add(int value) { return Add(int64_t{value}); }
  Params& Add(
      std::string_view value);  // text; a NUL byte makes the statement fail (kInvalidRequest)
  Params& Add(const std::string& value) { return Add(std::string_view(value)); }
  Params& Add(const char* value) { return Add(std::string_view(value)); }
  Params& Add(const Digest& value);  // bytea
  Params& AddNull();

  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  bool has_nul() const { return has_nul_; }

 private:
  Params& Push(std::string bytes, int format);

  std::deque<std::string> storage_;  // stable addresses for values_
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  bool has_nul_ = false;
};

// An owned PGresult of a successful statement. Rows and columns are 0-based; columns must have the
// types the accessor expects (checked by length, mismatches read as 0/empty).
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  int64_t Int(int row, int col) const;  // int2, int4 or int8
  std::optional<int64_t> OptionalInt(int row, int col) const;
  bool Bool(int row, int col) const;
  std::string Text(int row, int col) const;  // NULL reads as empty
  // False unless the column is a 32-byte bytea.
  bool ReadDigest(int row, int col, Digest* out) const;
  // Rows affected by an INSERT/UPDATE/DELETE.
  int64_t affected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
  // Connects to `url` (a postgres:// URL or a conninfo string) with a connect timeout of
  // `connect_timeout_seconds` unless the URL sets one. kUnavailable when the server cannot be
  // reached or refuses us.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url,
                                                  int connect_timeout_seconds);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` (prepared on first use on this connection, then reused) with `params`.
  Result<Rows> Exec(const std::string& sql, const Params& params = {});
  // Runs `sql` and calls `fn` for each row as it arrives (single-row mode): the whole result is
  // never held in memory. Stops at the first error.
  Status Stream(const std::string& sql, const Params& params,
                const std::function<Status(const Rows& row)>& fn);
  // Runs SQL without parameters (BEGIN, COMMIT, migrations: may hold several statements).
  Status ExecScript(const std::string& sql, std::string_view context);

  // True once the connection is known to be lost; the pool then drops it.
  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  // For an idle connection: false when the server has closed it (or sent anything at all, which an
  // idle connection never expects), so that the pool replaces it instead of failing a request.
  bool StillUsable();

  // SQLSTATE and constraint name of the last failed statement (empty when none).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& last_constraint() const { return last_constraint_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<std::string> PreparedName(const std::string& sql);
  // The Error for a failed result (or a null one), marking the connection broken when it is.
  Error Fail(const PGresult* result, std::string_view context);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL → statement name
  bool broken_ = false;
  std::string last_sqlstate_;
  std::string last_constraint_;
};

// BEGIN … COMMIT; rolls back on destruction unless committed.
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

// The Error for a connection that could not be made or was lost: kUnavailable, "PostgreSQL is
// unreachable; ..." in public, libpq's reason (without host names or the URL) in internal().
Error UnreachableError(const char* libpq_message);

}  // namespace keyward::pg
