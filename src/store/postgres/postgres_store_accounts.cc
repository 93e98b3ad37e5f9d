// PostgresStore: accounts and credits.
#include <algorithm>
#include <limits>

#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

const std::string kInsertAccount =
    "INSERT INTO accounts (" KEYWARD_PG_ACCOUNT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const std::string kSelectAccount =
    "SELECT " KEYWARD_PG_ACCOUNT_COLUMNS " FROM accounts WHERE id = $1";
// The unique index is on lower(email COLLATE "C"): ASCII case folding, like SQLite's NOCASE.
const std::string kSelectAccountByEmail = "SELECT " KEYWARD_PG_ACCOUNT_COLUMNS
                                          " FROM accounts WHERE lower(email COLLATE \"C\") = "
                                          "lower($1::text COLLATE \"C\")";
const std::string kAccountSeq = "SELECT seq FROM accounts WHERE id = $1";
const std::string kListAccounts =
    "SELECT " KEYWARD_PG_ACCOUNT_COLUMNS " FROM accounts WHERE seq < $1 ORDER BY seq DESC LIMIT $2";
// Computed in numeric so nothing overflows; clamped to [0, INT64_MAX]; NULL (unlimited) stays NULL
// (GREATEST ignores NULLs, hence the CASE).
const std::string kAddCredits =
    "UPDATE accounts SET credits = CASE WHEN credits IS NULL THEN NULL ELSE"
    " LEAST(GREATEST(credits::numeric + $2::numeric, 0), 9223372036854775807)::bigint END"
    " WHERE id = $1 RETURNING " KEYWARD_PG_ACCOUNT_COLUMNS;
const std::string kChargeCredits =
    "UPDATE accounts SET"
    " credits = CASE WHEN credits IS NULL THEN NULL ELSE"
    " GREATEST(credits::numeric - $2::numeric, 0)::bigint END,"
    " credits_used = LEAST(credits_used::numeric + $2::numeric, 9223372036854775807)::bigint"
    " WHERE id = $1";

constexpr char kEmailConstraint[] = "accounts_email_key";

}  // namespace

Status PostgresStore::CreateAccount(const AccountRow& account) {
  return With([&](Connection& conn) -> Status {
    Params p;
    p.Add(account.id);
    if (account.email.empty()) {
      p.AddNull();
    } else {
      p.Add(account.email);
    }
    p.Add(account.name)
        .Add(account.credits)
        .Add(account.credits_used)
        .Add(account.plan)
        .Add(account.password_hash)
        .Add(account.created);
    Result<Rows> rows = conn.Exec(kInsertAccount, p);
    if (rows.ok()) return Status::Ok();
    if (conn.last_sqlstate() == "23505" && conn.last_constraint() == kEmailConstraint) {
      return InvalidRequest("An account with this email already exists.", "email");
    }
    return rows.error();
  });
}

Result<std::optional<AccountRow>> PostgresStore::GetAccount(std::string_view id) {
  return With([&](Connection& conn) -> Result<std::optional<AccountRow>> {
    Result<Rows> rows = conn.Exec(kSelectAccount, Params().Add(id));
    if (!rows.ok()) return rows.error();
    return pg::FirstAccount(*rows);
  });
}

Result<std::optional<AccountRow>> PostgresStore::GetAccountByEmail(std::string_view email) {
  if (email.empty()) return std::optional<AccountRow>();  // empty emails are stored as NULL
  return With([&](Connection& conn) -> Result<std::optional<AccountRow>> {
    Result<Rows> rows = conn.Exec(kSelectAccountByEmail, Params().Add(email));
    if (!rows.ok()) return rows.error();
    return pg::FirstAccount(*rows);
  });
}

Result<Page<AccountRow>> PostgresStore::ListAccounts(const ListOptions& options) {
  return With([&](Connection& conn) -> Result<Page<AccountRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<Rows> seq = conn.Exec(kAccountSeq, Params().Add(options.starting_after));
      if (!seq.ok()) return seq.error();
      if (seq->empty()) {
        return InvalidRequest("starting_after is not an account id.", "starting_after");
      }
      before = seq->Int(0, 0);
    }
    const int64_t limit = options.limit < 0 ? 0 : options.limit;
    Result<Rows> rows = conn.Exec(kListAccounts, Params().Add(before).Add(limit + 1));
    if (!rows.ok()) return rows.error();
    Page<AccountRow> page;
    for (int i = 0; i < rows->size(); ++i) {
      if (static_cast<int64_t>(page.items.size()) == limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(pg::ReadAccount(*rows, i));
    }
    return page;
  });
}

Result<std::optional<AccountRow>> PostgresStore::AddCredits(std::string_view id, int64_t amount) {
  return With([&](Connection& conn) -> Result<std::optional<AccountRow>> {
    Result<Rows> rows = conn.Exec(kAddCredits, Params().Add(id).Add(amount));
    if (!rows.ok()) return rows.error();
    return pg::FirstAccount(*rows);
  });
}

Status PostgresStore::RecordCreditUsage(const std::vector<AccountUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  // A fixed lock order: two nodes flushing overlapping batches cannot deadlock.
  std::vector<const AccountUsage*> sorted;
  for (const AccountUsage& u : usage) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const AccountUsage* a, const AccountUsage* b) {
    return a->account_id < b->account_id;
  });
  return InTransaction([&](Connection& conn) -> Status {
    for (const AccountUsage* u : sorted) {
      Result<Rows> rows = conn.Exec(kChargeCredits, Params().Add(u->account_id).Add(u->used));
      if (!rows.ok()) return rows.error();
    }
    return Status::Ok();
  });
}

}  // namespace keyward
