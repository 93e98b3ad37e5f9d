// PostgresStore: access tokens (API.md 3).
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

const std::string kInsert = "INSERT INTO access_tokens (" KEYWARD_PG_ACCESS_TOKEN_COLUMNS
                            ") VALUES ($1, $2, $3, $4, $5, $6)";
const std::string kSelectByHash =
    "SELECT " KEYWARD_PG_ACCESS_TOKEN_COLUMNS " FROM access_tokens WHERE token_hash = $1";
const std::string kSelectLive =
    "SELECT " KEYWARD_PG_ACCESS_TOKEN_COLUMNS " FROM access_tokens WHERE expires_at > $1";
const std::string kPurge = "DELETE FROM access_tokens WHERE expires_at <= $1";

}  // namespace

Status PostgresStore::InsertAccessToken(const AccessTokenRow& token) {
  Params p;
  p.Add(token.token_hash)
      .Add(token.parent_id)
      .Add(token.parent_hash)
      .Add(token.account_id)
      .Add(token.created)
      .Add(token.expires_at);
  Result<int64_t> n = Change(kInsert, p);
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<std::optional<AccessTokenRow>> PostgresStore::FindAccessTokenByHash(const Digest& hash) {
  return With([&](Connection& conn) -> Result<std::optional<AccessTokenRow>> {
    Result<Rows> rows = conn.Exec(kSelectByHash, Params().Add(hash));
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<AccessTokenRow>();
    AccessTokenRow out;
    if (Status s = pg::ReadAccessToken(*rows, 0, &out); !s.ok()) return s.error();
    return std::optional<AccessTokenRow>(std::move(out));
  });
}

Status PostgresStore::ForEachAccessToken(int64_t after_unix,
                                         const std::function<void(AccessTokenRow&&)>& fn) {
  return With([&](Connection& conn) -> Status {
    return conn.Stream(kSelectLive, Params().Add(after_unix), [&](const Rows& rows) -> Status {
      AccessTokenRow out;
      if (Status s = pg::ReadAccessToken(rows, 0, &out); !s.ok()) return s;
      fn(std::move(out));
      return Status::Ok();
    });
  });
}

Result<int64_t> PostgresStore::PurgeAccessTokens(int64_t cutoff_unix) {
  return Change(kPurge, Params().Add(cutoff_unix));
}

}  // namespace keyward
