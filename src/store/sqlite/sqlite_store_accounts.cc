// SqliteStore: accounts and credits.
#include <cstring>
#include <limits>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr char kInsertAccount[] =
    "INSERT INTO accounts (" KEYWARD_ACCOUNT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kSelectAccount[] = "SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE id = ?1";
constexpr char kSelectAccountByEmail[] =
    "SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE email = ?1";  // column is NOCASE
constexpr char kAccountSeq[] = "SELECT seq FROM accounts WHERE id = ?1";
constexpr char kListAccounts[] =
    "SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2";
// Saturating add, clamped at zero; NULL (unlimited) stays NULL.
constexpr char kAddCredits[] =
    "UPDATE accounts SET credits = CASE"
    " WHEN credits IS NULL THEN NULL"
    " WHEN ?2 > 0 AND credits > 9223372036854775807 - ?2 THEN 9223372036854775807"
    " WHEN credits + ?2 < 0 THEN 0"
    " ELSE credits + ?2 END"
    " WHERE id = ?1 RETURNING " KEYWARD_ACCOUNT_COLUMNS;

constexpr char kChargeCredits[] =
    "UPDATE accounts SET credits = CASE"
    " WHEN credits IS NULL THEN NULL"
    " WHEN credits - ?2 < 0 THEN 0"
    " ELSE credits - ?2 END,"
    " credits_used = credits_used + ?2"
    " WHERE id = ?1";

bool IsDuplicateEmail(sqlite3* db) {
  return sqlite3_extended_errcode(db) == SQLITE_CONSTRAINT_UNIQUE &&
         std::strstr(sqlite3_errmsg(db), "accounts.email") != nullptr;
}

}  // namespace

Status SqliteStore::CreateAccount(const AccountRow& account) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kInsertAccount);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, account.id);
    if (account.email.empty()) {
      stmt->BindNull(2);
    } else {
      stmt->Bind(2, account.email);
    }
    stmt->Bind(3, account.name)
        .Bind(4, account.credits)
        .Bind(5, account.credits_used)
        .Bind(6, account.plan)
        .Bind(7, account.password_hash)
        .Bind(8, account.created);
    Status s = stmt->Run();
    if (!s.ok() && IsDuplicateEmail(conn.raw())) {
      return InvalidRequest("An account with this email already exists.", "email");
    }
    return s;
  });
}

Result<std::optional<AccountRow>> SqliteStore::GetAccount(std::string_view id) {
  return Read([&](Connection& conn) -> Result<std::optional<AccountRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectAccount);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, id);
    return sqlite::StepAccount(*stmt);
  });
}

Result<std::optional<AccountRow>> SqliteStore::GetAccountByEmail(std::string_view email) {
  if (email.empty()) return std::optional<AccountRow>();  // empty emails are stored as NULL
  return Read([&](Connection& conn) -> Result<std::optional<AccountRow>> {
    Result<Stmt> stmt = conn.Prepare(kSelectAccountByEmail);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, email);
    return sqlite::StepAccount(*stmt);
  });
}

Result<Page<AccountRow>> SqliteStore::ListAccounts(const ListOptions& options) {
  return Read([&](Connection& conn) -> Result<Page<AccountRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<Stmt> seq = conn.Prepare(kAccountSeq);
      if (!seq.ok()) return seq.error();
      seq->Bind(1, options.starting_after);
      Result<bool> row = seq->Step();
      if (!row.ok()) return row.error();
      if (!*row) return InvalidRequest("starting_after is not an account id.", "starting_after");
      before = seq->Int(0);
    }
    const int64_t limit = options.limit < 0 ? 0 : options.limit;
    Result<Stmt> stmt = conn.Prepare(kListAccounts);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, before).Bind(2, limit + 1);
    Page<AccountRow> page;
    for (;;) {
      Result<std::optional<AccountRow>> row = sqlite::StepAccount(*stmt);
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int64_t>(page.items.size()) == limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(std::move(**row));
    }
    return page;
  });
}

Result<std::optional<AccountRow>> SqliteStore::AddCredits(std::string_view id, int64_t amount) {
  std::optional<AccountRow> updated;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kAddCredits);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, id).Bind(2, amount);
    Result<std::optional<AccountRow>> account = sqlite::StepAccount(*stmt);
    if (!account.ok()) return account.error();
    updated = std::move(*account);
    return stmt->Run();  // completes the update
  });
  if (!s.ok()) return s.error();
  return updated;
}

Status SqliteStore::RecordCreditUsage(const std::vector<AccountUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  return writes_.Run([&](Connection& conn) -> Status {
    for (const AccountUsage& u : usage) {
      Result<Stmt> stmt = conn.Prepare(kChargeCredits);
      if (!stmt.ok()) return stmt.error();
      stmt->Bind(1, u.account_id).Bind(2, u.used);
      if (Status st = stmt->Run(); !st.ok()) return st;
    }
    return Status::Ok();
  });
}

}  // namespace keyward
