// The seam between the one SQL store (sql_store.h) and a database engine: run a unit of work on a
// connection for reading, for writing, or inside one transaction, and within it run statements
// with parameters and step through the rows they return. SQLite (sqlite/sqlite_driver.h) and
// PostgreSQL (postgres/postgres_driver.h) implement it over their own connections, pools and
// write paths; nothing here knows the schema.
//
// Thread-safety: a Driver's methods may be called from any thread concurrently. A Session (and
// every Row it hands out) belongs to the unit of work it was given to and must not escape it; a
// Row is valid only during the callback it is passed to.
// Errors: the engine's (see each driver): kUnavailable when the database is unreachable or busy
// beyond its timeout, kInternalError for anything unexpected, kInvalidRequest for a value the
// engine cannot store. A unit of work's own error is returned as it is.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/sha256.h"
#include "core/status.h"
#include "store/sql/statement.h"

namespace keyward::sql {

// One parameter value: NULL, an integer, a boolean, text, or a 32-byte blob (a digest).
struct Value {
  enum class Kind { kNull, kInt, kBool, kText, kBlob };
  Kind kind = Kind::kNull;
  int64_t integer = 0;  // kInt; kBool as 0 or 1
  std::string text;     // kText
  Digest blob{};        // kBlob
};

// Positional parameters $1, $2, ... in the order added. Copies what it is given.
class Params {
 public:
  Params& Add(int64_t value) { return Push({Value::Kind::kInt, value, {}, {}}); }
  Params& Add(int value) { return Add(int64_t{value}); }
  Params& Add(bool value) { return Push({Value::Kind::kBool, value ? 1 : 0, {}, {}}); }
  Params& Add(std::optional<int64_t> value) { return value ? Add(*value) : AddNull(); }
  Params& Add(std::string_view value) {
    return Push({Value::Kind::kText, 0, std::string(value), {}});
  }
  Params& Add(const std::string& value) { return Add(std::string_view(value)); }
  Params& Add(const char* value) { return Add(std::string_view(value)); }
  Params& Add(const std::optional<std::string>& value) { return value ? Add(*value) : AddNull(); }
  Params& Add(const Digest& value) { return Push({Value::Kind::kBlob, 0, {}, value}); }
  Params& AddTextOrNull(std::string_view value) { return value.empty() ? AddNull() : Add(value); }
  Params& AddNull() { return Push({}); }

  const std::vector<Value>& values() const { return values_; }

 private:
  Params& Push(Value value) {
    values_.push_back(std::move(value));
    return *this;
  }

  std::vector<Value> values_;
};

// The current row of a result. Columns are 0-based and read as the type the caller expects; a
// NULL reads as 0, false or empty.
class Row {
 public:
  virtual bool IsNull(int col) const = 0;
  virtual int64_t Int(int col) const = 0;
  virtual bool Bool(int col) const = 0;
  virtual std::string Text(int col) const = 0;
  // False unless the column is a 32-byte blob.
  virtual bool ReadDigest(int col, Digest* out) const = 0;

  std::optional<int64_t> OptionalInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }

 protected:
  ~Row() = default;
};

// Called for each row in order; a non-OK status stops the statement and is returned.
using RowFn = std::function<Status(const Row&)>;

// One connection inside a unit of work.
class Session {
 public:
  // Runs `statement` with `params`, calling `on_row` (when given) for every row it returns.
  // Returns how many rows the statement changed (a write) or returned (a query).
  virtual Result<int64_t> Run(const Statement& statement, const Params& params = {},
                              const RowFn& on_row = nullptr) = 0;
  // The same for a result too large to hold: rows arrive one at a time and are never all in
  // memory together.
  virtual Status Stream(const Statement& statement, const Params& params, const RowFn& on_row) = 0;
  // After a statement failed: whether it broke the uniqueness of `table`.`column`.
  virtual bool ViolatedUnique(std::string_view table, std::string_view column) const = 0;

 protected:
  ~Session() = default;
};

using Work = std::function<Status(Session&)>;

class Driver {
 public:
  virtual ~Driver() = default;
  // `work` only reads; it sees every change committed before it started.
  virtual Status Read(const Work& work) = 0;
  // `work` writes, and each of its statements is atomic on its own (they may or may not commit
  // together): for a single statement, or statements that stay correct when run apart.
  virtual Status Write(const Work& work) = 0;
  // `work` runs inside one transaction: all its changes commit together when it returns OK, none
  // when it fails.
  virtual Status Transaction(const Work& work) = 0;
};

}  // namespace keyward::sql
