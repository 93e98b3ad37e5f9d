// SqlStore: operators (API.md 16). Spending a set-up token is one conditional UPDATE, so two
// browsers racing on one link see exactly one winner.
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsertOperator("INSERT INTO operators (" KEYWARD_OPERATOR_COLUMNS
                                ") VALUES ($1, $2, $3, $4, $5, $6)");
const Statement kSelectOperator("SELECT " KEYWARD_OPERATOR_COLUMNS " FROM operators WHERE id = $1");
const Statement kSelectOperatorByEmail("SELECT " KEYWARD_OPERATOR_COLUMNS
                                       " FROM operators WHERE email = $1");
const Statement kSetOperatorSetup(
    "UPDATE operators SET setup_hash = $2, setup_expires_at = $3 WHERE id = $1");
const Statement kCompleteOperatorSetup(
    "UPDATE operators SET password_hash = $2, setup_hash = NULL, setup_expires_at = NULL"
    " WHERE setup_hash = $1 AND setup_expires_at > $3 RETURNING " KEYWARD_OPERATOR_COLUMNS);

}  // namespace

Status SqlStore::InsertOperator(const OperatorRow& op) {
  Params params;
  sql::AddParams(op, &params);
  return driver_->Write([&](Session& session) -> Status {
    Result<int64_t> ran = session.Run(kInsertOperator, params);
    if (ran.ok()) return Status::Ok();
    if (session.ViolatedUnique("operators", "email")) {
      return InvalidRequest("An operator with this email already exists.", "email");
    }
    return ran.error();
  });
}

Result<std::optional<OperatorRow>> SqlStore::GetOperator(std::string_view id) {
  return ReadOne<OperatorRow>(kSelectOperator, Params().Add(id));
}

Result<std::optional<OperatorRow>> SqlStore::FindOperatorByEmail(std::string_view email) {
  return ReadOne<OperatorRow>(kSelectOperatorByEmail, Params().Add(email));
}

Result<bool> SqlStore::SetOperatorSetup(std::string_view id, const Digest& setup_hash,
                                        int64_t expires_at) {
  Result<int64_t> n = Change(kSetOperatorSetup, Params().Add(id).Add(setup_hash).Add(expires_at));
  if (!n.ok()) return n.error();
  return *n > 0;
}

Result<std::optional<OperatorRow>> SqlStore::CompleteOperatorSetup(const Digest& setup_hash,
                                                                   std::string_view password_hash,
                                                                   int64_t now_unix) {
  return Run<std::optional<OperatorRow>>(&sql::Driver::Write, [&](Session& session) {
    return sql::QueryOne<OperatorRow>(session, kCompleteOperatorSetup,
                                      Params().Add(setup_hash).Add(password_hash).Add(now_unix));
  });
}

}  // namespace keyward
