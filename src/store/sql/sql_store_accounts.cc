// SqlStore: accounts and credits.
#include <algorithm>
#include <limits>

#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsertAccount("INSERT INTO accounts (" KEYWARD_ACCOUNT_INSERT_COLUMNS
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
const Statement kSelectAccount("SELECT " KEYWARD_ACCOUNT_COLUMNS " FROM accounts WHERE id = $1");
const Statement kAccountSeq("SELECT seq FROM accounts WHERE id = $1");
// The console's list: $2 a LIKE pattern over the lower-cased email ('' = any), $3 a plan ('' =
// any); the key count and last use come from the tokens table's account index.
const Statement kListAccountSummaries(
    "SELECT " KEYWARD_ACCOUNT_COLUMNS
    ", (SELECT COUNT(*) FROM tokens t WHERE t.account_id = accounts.id AND t.revoked_at IS NULL)"
    ", (SELECT MAX(t.last_used_at) FROM tokens t WHERE t.account_id = accounts.id)"
    " FROM accounts WHERE seq < $1 AND ($2 = '' OR lower(email) LIKE $2 ESCAPE '!')"
    " AND ($3 = '' OR plan = $3) ORDER BY seq DESC LIMIT $4");

// "Ada_1" → "%ada!_1%": a case-insensitive substring pattern, with LIKE's wildcards escaped.
std::string ContainsPattern(std::string_view text) {
  if (text.empty()) return {};
  std::string pattern = "%";
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == '%' || c == '_' || c == '!') pattern += '!';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

// $1 seq bound (exclusive), $2 limit, $3 email or '' (case-insensitive), $4 plan or '',
// $5 status: 0 any, 1 active, 2 disabled. (Comparisons with '' give PostgreSQL the parameters'
// types.)
const Statement kListAccounts(
    "SELECT " KEYWARD_ACCOUNT_COLUMNS
    " FROM accounts WHERE seq < $1"
    " AND ($3 = '' OR lower(email) = lower($3))"
    " AND ($4 = '' OR plan = $4)"
    " AND ($5 = 0 OR ($5 = 1 AND disabled_at IS NULL) OR ($5 = 2 AND disabled_at IS NOT NULL))"
    " ORDER BY seq DESC LIMIT $2");
const Statement kAccountChangeCursor("SELECT COALESCE(MAX(change_seq), 0) FROM accounts");
const Statement kAccountsChangedAfter("SELECT " KEYWARD_ACCOUNT_COLUMNS
                                      " FROM accounts WHERE change_seq > $1"
                                      " ORDER BY change_seq LIMIT $2");
const Statement kDeleteAccountSessions("DELETE FROM sessions WHERE account_id = $1");

}  // namespace

Status SqlStore::CreateAccount(const AccountRow& account, const EventFor<AccountRow>& event) {
  Params params;
  sql::AddParams(account, &params);
  return driver_->Transaction([&](Session& session) -> Status {
    Result<int64_t> ran = session.Run(kInsertAccount, params);
    if (ran.ok()) return RecordEvent<AccountRow>(session, event, nullptr, account);
    if (session.ViolatedUnique("accounts", "email")) {
      return InvalidRequest("An account with this email already exists.", "email");
    }
    return ran.error();
  });
}

Result<std::optional<AccountRow>> SqlStore::GetAccount(std::string_view id) {
  return ReadOne<AccountRow>(kSelectAccount, Params().Add(id));
}

Result<std::optional<AccountRow>> SqlStore::GetAccountByEmail(std::string_view email) {
  if (email.empty()) return std::optional<AccountRow>();  // empty emails are stored as NULL
  return ReadOne<AccountRow>(dialect_.select_account_by_email, Params().Add(email));
}

Result<Page<AccountRow>> SqlStore::ListAccounts(const ListOptions& options,
                                                const AccountFilter& filter) {
  return Run<Page<AccountRow>>(
      &sql::Driver::Read, [&](Session& session) -> Result<Page<AccountRow>> {
        int64_t before = std::numeric_limits<int64_t>::max();
        if (!options.starting_after.empty()) {
          Result<std::optional<int64_t>> seq =
              sql::QueryOne<int64_t>(session, kAccountSeq, Params().Add(options.starting_after));
          if (!seq.ok()) return seq.error();
          if (!*seq)
            return InvalidRequest("starting_after is not an account id.", "starting_after");
          before = **seq;
        }
        const int64_t limit = std::max(options.limit, 0);
        Params params;
        params.Add(before).Add(limit + 1);
        params.Add(filter.email).Add(filter.plan);
        params.Add(filter.status == AccountStatusFilter::kAny      ? 0
                   : filter.status == AccountStatusFilter::kActive ? 1
                                                                   : 2);
        return sql::QueryPage<AccountRow>(session, kListAccounts, params, limit);
      });
}

Result<Page<AccountSummary>> SqlStore::ListAccountSummaries(const AccountSearch& search,
                                                            const ListOptions& options) {
  return Run<Page<AccountSummary>>(
      &sql::Driver::Read, [&](Session& session) -> Result<Page<AccountSummary>> {
        int64_t before = std::numeric_limits<int64_t>::max();
        if (!options.starting_after.empty()) {
          Result<std::optional<int64_t>> seq =
              sql::QueryOne<int64_t>(session, kAccountSeq, Params().Add(options.starting_after));
          if (!seq.ok()) return seq.error();
          if (!*seq)
            return InvalidRequest("starting_after is not an account id.", "starting_after");
          before = **seq;
        }
        const int64_t limit = std::max(options.limit, 0);
        Params params;
        params.Add(before).Add(ContainsPattern(search.email_contains)).Add(search.plan);
        params.Add(limit + 1);
        return sql::QueryPage<AccountSummary>(session, kListAccountSummaries, params, limit);
      });
}

Result<std::optional<AccountRow>> SqlStore::AddCredits(std::string_view id, int64_t amount,
                                                       const EventFor<AccountRow>& event) {
  return Run<std::optional<AccountRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<AccountRow>> {
        Result<std::optional<AccountRow>> before =
            sql::QueryOne<AccountRow>(session, kSelectAccount, Params().Add(id));
        if (!before.ok() || !*before) return before;
        Result<std::optional<AccountRow>> after =
            sql::QueryOne<AccountRow>(session, dialect_.add_credits, Params().Add(id).Add(amount));
        if (!after.ok() || !*after) return after;
        if (Status s = RecordEvent<AccountRow>(session, event, &**before, **after); !s.ok()) {
          return s.error();
        }
        return after;
      });
}

Result<std::optional<AccountRow>> SqlStore::UpdateAccount(const AccountRow& account,
                                                          const EventFor<AccountRow>& event) {
  Params params;
  params.Add(account.id)
      .Add(account.name)
      .AddTextOrNull(account.email)
      .Add(account.plan)
      .Add(MetadataToJson(account.metadata))
      .Add(account.rate_limit)
      .Add(account.account_rate_limit)
      .Add(account.disabled_at)
      .Add(account.change_seq);
  return Run<std::optional<AccountRow>>(
      event ? &sql::Driver::Transaction : &sql::Driver::Write,
      [&](Session& session) -> Result<std::optional<AccountRow>> {
        std::optional<AccountRow> before;
        if (event) {
          Result<std::optional<AccountRow>> read =
              sql::QueryOne<AccountRow>(session, kSelectAccount, Params().Add(account.id));
          if (!read.ok() || !*read) return read;
          before = std::move(*read);
        }
        Result<std::optional<AccountRow>> row =
            sql::QueryOne<AccountRow>(session, dialect_.update_account, params);
        if (!row.ok() && session.ViolatedUnique("accounts", "email")) {
          return InvalidRequest("An account with this email already exists.", "email");
        }
        if (!row.ok() || !*row || !before) return row;
        if (Status s = RecordEvent<AccountRow>(session, event, &*before, **row); !s.ok()) {
          return s.error();
        }
        return row;
      });
}

Result<int64_t> SqlStore::AccountChangeCursor() {
  return Run<int64_t>(&sql::Driver::Read, [&](Session& session) -> Result<int64_t> {
    Result<std::optional<int64_t>> cursor =
        sql::QueryOne<int64_t>(session, kAccountChangeCursor, {});
    if (!cursor.ok()) return cursor.error();
    return cursor->value_or(0);
  });
}

Result<int64_t> SqlStore::ForEachAccountChangedAfter(int64_t after, size_t limit,
                                                     const std::function<void(AccountRow&&)>& fn) {
  return Run<int64_t>(&sql::Driver::Read, [&](Session& session) -> Result<int64_t> {
    int64_t highest = after;
    Result<int64_t> ran =
        session.Run(kAccountsChangedAfter, Params().Add(after).Add(static_cast<int64_t>(limit)),
                    [&](const sql::Row& row) -> Status {
                      AccountRow account;
                      if (Status s = sql::Decode(row, &account); !s.ok()) return s;
                      highest = account.change_seq;
                      fn(std::move(account));
                      return Status::Ok();
                    });
    if (!ran.ok()) return ran.error();
    return highest;
  });
}

Status SqlStore::DeleteAccountSessions(std::string_view account_id) {
  Result<int64_t> n = Change(kDeleteAccountSessions, Params().Add(account_id));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Status SqlStore::RecordCreditUsage(const std::vector<AccountUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  // A fixed lock order: two nodes flushing overlapping batches cannot deadlock.
  std::vector<const AccountUsage*> sorted;
  sorted.reserve(usage.size());
  for (const AccountUsage& u : usage) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const AccountUsage* a, const AccountUsage* b) {
    return a->account_id < b->account_id;
  });
  return driver_->Transaction([&](Session& session) -> Status {
    for (const AccountUsage* u : sorted) {
      Result<int64_t> ran =
          session.Run(dialect_.charge_credits, Params().Add(u->account_id).Add(u->used));
      if (!ran.ok()) return ran.error();
    }
    return Status::Ok();
  });
}

}  // namespace keyward
