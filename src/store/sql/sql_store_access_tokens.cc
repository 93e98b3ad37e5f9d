// SqlStore: access tokens (API.md 3).
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

const Statement kInsert("INSERT INTO access_tokens (" KEYWARD_ACCESS_TOKEN_COLUMNS
                        ") VALUES ($1, $2, $3, $4, $5, $6)");
const Statement kSelectByHash("SELECT " KEYWARD_ACCESS_TOKEN_COLUMNS
                              " FROM access_tokens WHERE token_hash = $1");
const Statement kSelectLive("SELECT " KEYWARD_ACCESS_TOKEN_COLUMNS
                            " FROM access_tokens WHERE expires_at > $1");
const Statement kPurge("DELETE FROM access_tokens WHERE expires_at <= $1");

}  // namespace

Status SqlStore::InsertAccessToken(const AccessTokenRow& token) {
  Params params;
  sql::AddParams(token, &params);
  Result<int64_t> n = Change(kInsert, params);
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<std::optional<AccessTokenRow>> SqlStore::FindAccessTokenByHash(const Digest& hash) {
  return ReadOne<AccessTokenRow>(kSelectByHash, Params().Add(hash));
}

Status SqlStore::ForEachAccessToken(int64_t after_unix,
                                    const std::function<void(AccessTokenRow&&)>& fn) {
  return driver_->Read([&](Session& session) {
    return sql::StreamAll<AccessTokenRow>(session, kSelectLive, Params().Add(after_unix), fn);
  });
}

Result<int64_t> SqlStore::PurgeAccessTokens(int64_t cutoff_unix) {
  return Change(kPurge, Params().Add(cutoff_unix));
}

}  // namespace keyward
