#include "store/sqlite/sqlite_driver.h"

#include <string>
#include <utility>

#include "store/sqlite/migrations.h"

namespace keyward::sqlite {
namespace {

// The current row of a Stmt, as an sql::Row.
class StmtRow final : public sql::Row {
 public:
  explicit StmtRow(const Stmt& stmt) : stmt_(stmt) {}
  bool IsNull(int col) const override { return stmt_.IsNull(col); }
  int64_t Int(int col) const override { return stmt_.Int(col); }
  bool Bool(int col) const override { return stmt_.Int(col) != 0; }
  std::string Text(int col) const override { return std::string(stmt_.Text(col)); }
  bool ReadDigest(int col, Digest* out) const override { return stmt_.ReadDigest(col, out); }

 private:
  const Stmt& stmt_;
};

// One connection inside a unit of work. Bound text and blobs point into `params`, which outlives
// the statement's steps.
class ConnectionSession final : public sql::Session {
 public:
  explicit ConnectionSession(Connection& conn) : conn_(conn) {}

  Result<int64_t> Run(const sql::Statement& statement, const sql::Params& params,
                      const sql::RowFn& on_row) override {
    Result<Stmt> stmt = conn_.Prepare(statement.question_text().c_str());
    if (!stmt.ok()) return Failed(stmt.error());
    Bind(*stmt, params);
    int64_t rows = 0;
    for (;;) {
      Result<bool> row = stmt->Step();
      if (!row.ok()) return Failed(row.error());
      if (!*row) break;
      ++rows;
      if (on_row) {
        if (Status s = on_row(StmtRow(*stmt)); !s.ok()) return s.error();
      }
    }
    return stmt->ReadOnly() ? rows : sqlite3_changes64(conn_.raw());
  }

  Status Stream(const sql::Statement& statement, const sql::Params& params,
                const sql::RowFn& on_row) override {
    Result<int64_t> ran = Run(statement, params, on_row);  // SQLite steps one row at a time
    if (!ran.ok()) return ran.error();
    return Status::Ok();
  }

  bool ViolatedUnique(std::string_view table, std::string_view column) const override {
    // SQLite names the columns: "UNIQUE constraint failed: table.column".
    const std::string name = std::string(table) + "." + std::string(column);
    return last_code_ == SQLITE_CONSTRAINT_UNIQUE && last_message_.find(name) != std::string::npos;
  }

 private:
  static void Bind(Stmt& stmt, const sql::Params& params) {
    int index = 0;
    for (const sql::Value& value : params.values()) {
      switch (value.kind) {
        case sql::Value::Kind::kNull:
          stmt.BindNull(++index);
          break;
        case sql::Value::Kind::kInt:
        case sql::Value::Kind::kBool:
          stmt.Bind(++index, value.integer);
          break;
        case sql::Value::Kind::kText:
          stmt.Bind(++index, std::string_view(value.text));
          break;
        case sql::Value::Kind::kBlob:
          stmt.Bind(++index, value.blob);
          break;
      }
    }
  }

  // Notes what failed (for ViolatedUnique) while SQLite still reports it.
  Error Failed(const Error& error) {
    last_code_ = sqlite3_extended_errcode(conn_.raw());
    last_message_ = sqlite3_errmsg(conn_.raw());
    return error;
  }

  Connection& conn_;
  int last_code_ = SQLITE_OK;
  std::string last_message_;
};

}  // namespace

Result<std::unique_ptr<SqliteDriver>> SqliteDriver::Open(const std::string& path,
                                                         const DriverOptions& options) {
  Result<std::unique_ptr<Connection>> writer = Connection::Open(
      path, Connection::Mode::kReadWrite, options.synchronous, options.busy_timeout_ms);
  if (!writer.ok()) return writer.error();
  if (Status s = Migrate(**writer); !s.ok()) return s.error();
  return std::unique_ptr<SqliteDriver>(new SqliteDriver(std::move(writer).value(), path, options));
}

SqliteDriver::SqliteDriver(std::unique_ptr<Connection> writer, const std::string& path,
                           const DriverOptions& options)
    : writer_(std::move(writer)),
      writes_(*writer_),
      readers_(path, options.synchronous, options.busy_timeout_ms, options.read_connections) {}

SqliteDriver::~SqliteDriver() = default;

Status SqliteDriver::Read(const sql::Work& work) {
  Result<ReadPool::Lease> lease = readers_.Acquire();
  if (!lease.ok()) return lease.error();
  ConnectionSession session(**lease);
  return work(session);
}

Status SqliteDriver::Write(const sql::Work& work) {
  return Transaction(work);  // one writer: every write is a transaction anyway
}

Status SqliteDriver::Transaction(const sql::Work& work) {
  return writes_.Run([&](Connection& conn) {
    ConnectionSession session(conn);
    return work(session);
  });
}

}  // namespace keyward::sqlite
