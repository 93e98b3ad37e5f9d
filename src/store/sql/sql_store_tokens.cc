// SqlStore: API keys ("tokens"), their usage and their change sequence.
#include <algorithm>
#include <limits>

#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kSelectToken("SELECT " KEYWARD_TOKEN_COLUMNS
                             " FROM tokens WHERE id = $1 AND account_id = $2");
const Statement kSelectTokenByHash("SELECT " KEYWARD_TOKEN_COLUMNS
                                   " FROM tokens WHERE key_hash = $1");
const Statement kTokenSeq("SELECT seq FROM tokens WHERE id = $1 AND account_id = $2");

// Lists: $1 account, $2 seq bound (exclusive), $3 limit, $4 now (where the filter needs it).
#define KEYWARD_LIST_TOKENS(filter)                                                        \
  "SELECT " KEYWARD_TOKEN_COLUMNS " FROM tokens WHERE account_id = $1 AND seq < $2" filter \
  " ORDER BY seq DESC LIMIT $3"
const Statement kListAll(KEYWARD_LIST_TOKENS(""));
const Statement kListActive(
    KEYWARD_LIST_TOKENS(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4)"
                        " AND disabled_at IS NULL"));
const Statement kListDisabled(
    KEYWARD_LIST_TOKENS(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $4)"
                        " AND disabled_at IS NOT NULL"));
const Statement kListRevoked(KEYWARD_LIST_TOKENS(" AND revoked_at IS NOT NULL"));
const Statement kListExpired(
    KEYWARD_LIST_TOKENS(" AND revoked_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $4"));
#undef KEYWARD_LIST_TOKENS

const Statement kSelectUnrevoked("SELECT " KEYWARD_TOKEN_COLUMNS
                                 " FROM tokens WHERE revoked_at IS NULL");
const Statement kRecordUsage(
    "UPDATE tokens SET last_used_at = $2"
    " WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)");
const Statement kChangeCursor("SELECT COALESCE(MAX(change_seq), 0) FROM tokens");
const Statement kChangedAfter("SELECT " KEYWARD_TOKEN_COLUMNS
                              " FROM tokens WHERE change_seq > $1"
                              " ORDER BY change_seq LIMIT $2");

}  // namespace

Status SqlStore::InsertToken(const TokenRow& token, const EventFor<TokenRow>& event) {
  Params params;
  sql::AddParams(token, &params);
  if (!event) {
    Result<int64_t> n = Change(dialect_.insert_token, params);
    if (!n.ok()) return n.error();
    return Status::Ok();
  }
  return driver_->Transaction([&](Session& session) -> Status {
    if (Result<int64_t> ran = session.Run(dialect_.insert_token, params); !ran.ok()) {
      return ran.error();
    }
    return RecordEvent<TokenRow>(session, event, nullptr, token);
  });
}

Status SqlStore::InsertTokens(const std::vector<TokenRow>& tokens) {
  if (tokens.empty()) return Status::Ok();
  const size_t batch = dialect_.insert_tokens_batch ? dialect_.insert_tokens_batch_rows : 0;
  return driver_->Transaction([&](Session& session) -> Status {
    size_t i = 0;
    for (; batch > 0 && i + batch <= tokens.size(); i += batch) {
      Params params;
      for (size_t j = i; j < i + batch; ++j) sql::AddParams(tokens[j], &params);
      Result<int64_t> ran = session.Run(*dialect_.insert_tokens_batch, params);
      if (!ran.ok()) return ran.error();
    }
    for (; i < tokens.size(); ++i) {
      Params params;
      sql::AddParams(tokens[i], &params);
      Result<int64_t> ran = session.Run(dialect_.insert_token, params);
      if (!ran.ok()) return ran.error();
    }
    return Status::Ok();
  });
}

Result<std::optional<TokenRow>> SqlStore::GetToken(std::string_view account_id,
                                                   std::string_view id) {
  return ReadOne<TokenRow>(kSelectToken, Params().Add(id).Add(account_id));
}

Result<std::optional<TokenRow>> SqlStore::FindTokenByHash(const Digest& key_hash) {
  return ReadOne<TokenRow>(kSelectTokenByHash, Params().Add(key_hash));
}

Result<Page<TokenRow>> SqlStore::ListTokens(std::string_view account_id, TokenFilter filter,
                                            int64_t now_unix, const ListOptions& options) {
  const Statement* list = &kListAll;
  bool needs_now = false;
  switch (filter) {
    case TokenFilter::kAll:
      break;
    case TokenFilter::kActive:
      list = &kListActive;
      needs_now = true;
      break;
    case TokenFilter::kRevoked:
      list = &kListRevoked;
      break;
    case TokenFilter::kDisabled:
      list = &kListDisabled;
      needs_now = true;
      break;
    case TokenFilter::kExpired:
      list = &kListExpired;
      needs_now = true;
      break;
  }
  return Run<Page<TokenRow>>(&sql::Driver::Read, [&](Session& session) -> Result<Page<TokenRow>> {
    int64_t before = std::numeric_limits<int64_t>::max();
    if (!options.starting_after.empty()) {
      Result<std::optional<int64_t>> seq = sql::QueryOne<int64_t>(
          session, kTokenSeq, Params().Add(options.starting_after).Add(account_id));
      if (!seq.ok()) return seq.error();
      if (!*seq) return InvalidRequest("starting_after is not a token id.", "starting_after");
      before = **seq;
    }
    const int64_t limit = std::max(options.limit, 0);
    Params params;
    params.Add(account_id).Add(before).Add(limit + 1);
    if (needs_now) params.Add(now_unix);
    return sql::QueryPage<TokenRow>(session, *list, params, limit);
  });
}

Result<std::optional<TokenRow>> SqlStore::RevokeToken(std::string_view account_id,
                                                      std::string_view id, int64_t now_unix,
                                                      const EventFor<TokenRow>& event) {
  return Run<std::optional<TokenRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<TokenRow>> {
        bool was_revoked = false;
        Result<int64_t> locked =
            session.Run(dialect_.select_token_for_roll, Params().Add(id).Add(account_id),
                        [&](const sql::Row& row) {
                          was_revoked = !row.IsNull(0);
                          return Status::Ok();
                        });
        if (!locked.ok()) return locked.error();
        Result<std::optional<TokenRow>> after = sql::QueryOne<TokenRow>(
            session, dialect_.revoke_token, Params().Add(id).Add(account_id).Add(now_unix));
        if (!after.ok() || !*after || was_revoked) return after;
        TokenRow before = **after;
        before.revoked_at.reset();
        if (Status s = RecordEvent<TokenRow>(session, event, &before, **after); !s.ok()) {
          return s.error();
        }
        return after;
      });
}

Result<std::optional<TokenRow>> SqlStore::RollToken(
    std::string_view account_id, std::string_view old_id, const TokenRow& replacement,
    std::optional<int64_t> old_expires_at, int64_t now_unix, const EventFor<TokenRow>& event) {
  if (replacement.account_id != account_id) {
    return Error(ErrorCode::kInternalError, "roll: the replacement belongs to another account");
  }
  Params insert;
  sql::AddParams(replacement, &insert);
  return Run<std::optional<TokenRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<TokenRow>> {
        bool found = false;
        bool revoked = false;
        Result<int64_t> old =
            session.Run(dialect_.select_token_for_roll, Params().Add(old_id).Add(account_id),
                        [&](const sql::Row& row) {
                          found = true;
                          revoked = !row.IsNull(0);
                          return Status::Ok();
                        });
        if (!old.ok()) return old.error();
        if (!found || revoked) return std::optional<TokenRow>();  // nothing to roll, no write
        if (Result<int64_t> ran = session.Run(dialect_.insert_token, insert); !ran.ok()) {
          return ran.error();
        }
        Result<std::optional<TokenRow>> ended = sql::QueryOne<TokenRow>(
            session, old_expires_at ? dialect_.expire_token_by_id : dialect_.revoke_token_by_id,
            Params().Add(old_id).Add(old_expires_at ? *old_expires_at : now_unix));
        if (!ended.ok() || !*ended) return ended;
        if (Status s = RecordEvent<TokenRow>(session, event, &**ended, replacement); !s.ok()) {
          return s.error();
        }
        return ended;
      });
}

Result<std::optional<TokenRow>> SqlStore::UpdateToken(const TokenRow& token,
                                                      const EventFor<TokenRow>& event) {
  Params params;
  params.Add(token.id)
      .Add(token.account_id)
      .Add(token.name)
      .Add(sql::JoinPermissions(token.permissions))
      .Add(token.expires_at)
      .Add(MetadataToJson(token.metadata))
      .Add(sql::JoinPermissions(token.ip_allowlist))
      .Add(token.disabled_at)
      .Add(token.change_seq);
  if (!event) {
    return Run<std::optional<TokenRow>>(&sql::Driver::Write, [&](Session& session) {
      return sql::QueryOne<TokenRow>(session, dialect_.update_token, params);
    });
  }
  return Run<std::optional<TokenRow>>(
      &sql::Driver::Transaction, [&](Session& session) -> Result<std::optional<TokenRow>> {
        Result<std::optional<TokenRow>> before = sql::QueryOne<TokenRow>(
            session, kSelectToken, Params().Add(token.id).Add(token.account_id));
        if (!before.ok() || !*before) return before;
        Result<std::optional<TokenRow>> after =
            sql::QueryOne<TokenRow>(session, dialect_.update_token, params);
        if (!after.ok() || !*after) return after;
        if (Status s = RecordEvent<TokenRow>(session, event, &**before, **after); !s.ok()) {
          return s.error();
        }
        return after;
      });
}

Status SqlStore::ForEachUnrevokedToken(const std::function<void(TokenRow&&)>& fn) {
  return driver_->Read([&](Session& session) {
    return sql::StreamAll<TokenRow>(session, kSelectUnrevoked, Params(), fn);
  });
}

Status SqlStore::RecordUsage(const std::vector<TokenUsage>& usage) {
  if (usage.empty()) return Status::Ok();
  // A fixed lock order: two nodes flushing overlapping batches cannot deadlock.
  std::vector<const TokenUsage*> sorted;
  sorted.reserve(usage.size());
  for (const TokenUsage& u : usage) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [](const TokenUsage* a, const TokenUsage* b) {
    return a->token_id < b->token_id;
  });
  return driver_->Transaction([&](Session& session) -> Status {
    for (const TokenUsage* u : sorted) {
      Result<int64_t> ran =
          session.Run(kRecordUsage, Params().Add(u->token_id).Add(u->last_used_at));
      if (!ran.ok()) return ran.error();
    }
    return Status::Ok();
  });
}

Result<int64_t> SqlStore::TokenChangeCursor() {
  return Run<int64_t>(&sql::Driver::Read, [&](Session& session) -> Result<int64_t> {
    Result<std::optional<int64_t>> cursor = sql::QueryOne<int64_t>(session, kChangeCursor, {});
    if (!cursor.ok()) return cursor.error();
    return cursor->value_or(0);
  });
}

Result<int64_t> SqlStore::ForEachTokenChangedAfter(int64_t after, size_t limit,
                                                   const std::function<void(TokenRow&&)>& fn) {
  return Run<int64_t>(&sql::Driver::Read, [&](Session& session) -> Result<int64_t> {
    int64_t highest = after;
    Result<int64_t> ran =
        session.Run(kChangedAfter, Params().Add(after).Add(static_cast<int64_t>(limit)),
                    [&](const sql::Row& row) -> Status {
                      TokenRow token;
                      if (Status s = sql::Decode(row, &token); !s.ok()) return s;
                      highest = token.change_seq;
                      fn(std::move(token));
                      return Status::Ok();
                    });
    if (!ran.ok()) return ran.error();
    return highest;
  });
}

}  // namespace keyward
