#include "store/postgres/postgres_driver.h"

#include <string>
#include <utility>

namespace keyward::pg {
namespace {

// Row `row` of a result, as an sql::Row.
class ResultRow final : public sql::Row {
 public:
  ResultRow(const Rows& rows, int row) : rows_(rows), row_(row) {}
  bool IsNull(int col) const override { return rows_.IsNull(row_, col); }
  int64_t Int(int col) const override { return rows_.Int(row_, col); }
  bool Bool(int col) const override { return rows_.Bool(row_, col); }
  std::string Text(int col) const override { return rows_.Text(row_, col); }
  bool ReadDigest(int col, Digest* out) const override { return rows_.ReadDigest(row_, col, out); }

 private:
  const Rows& rows_;
  const int row_;
};

Params ToParams(const sql::Params& params) {
  Params out;
  for (const sql::Value& value : params.values()) {
    switch (value.kind) {
      case sql::Value::Kind::kNull:
        out.AddNull();
        break;
      case sql::Value::Kind::kInt:
        out.Add(value.integer);
        break;
      case sql::Value::Kind::kBool:
        out.Add(value.integer != 0);
        break;
      case sql::Value::Kind::kText:
        out.Add(value.text);
        break;
      case sql::Value::Kind::kBlob:
        out.Add(value.blob);  // bytea
        break;
    }
  }
  return out;
}

class ConnectionSession final : public sql::Session {
 public:
  explicit ConnectionSession(Connection& conn) : conn_(conn) {}

  Result<int64_t> Run(const sql::Statement& statement, const sql::Params& params,
                      const sql::RowFn& on_row) override {
    Result<Rows> rows = conn_.Exec(statement.text(), ToParams(params));
    if (!rows.ok()) return rows.error();
    if (on_row) {
      for (int i = 0; i < rows->size(); ++i) {
        if (Status s = on_row(ResultRow(*rows, i)); !s.ok()) return s.error();
      }
    }
    return rows->affected();  // rows changed, or returned by a SELECT
  }

  Status Stream(const sql::Statement& statement, const sql::Params& params,
                const sql::RowFn& on_row) override {
    return conn_.Stream(statement.text(), ToParams(params),
                        [&](const Rows& rows) { return on_row(ResultRow(rows, 0)); });
  }

  bool ViolatedUnique(std::string_view table, std::string_view column) const override {
    // keyward's unique constraints and indexes are named table_column_key.
    return conn_.last_sqlstate() == "23505" &&
           conn_.last_constraint() == std::string(table) + "_" + std::string(column) + "_key";
  }

 private:
  Connection& conn_;
};

}  // namespace

Status PostgresDriver::Read(const sql::Work& work) {
  Result<Pool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return lease.error();
  ConnectionSession session(**lease);
  return work(session);
}

Status PostgresDriver::Write(const sql::Work& work) {
  return Read(work);  // autocommit: each statement commits on its own
}

Status PostgresDriver::Transaction(const sql::Work& work) {
  Result<Pool::Lease> lease = pool_->Acquire();
  if (!lease.ok()) return lease.error();
  pg::Transaction tx(**lease);
  if (Status s = tx.Begin(); !s.ok()) return s;
  ConnectionSession session(**lease);
  if (Status s = work(session); !s.ok()) return s;
  return tx.Commit();
}

}  // namespace keyward::pg
