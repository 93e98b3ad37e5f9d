// PostgresStore: Idempotency-Key records (API.md 1.4).
#include "store/postgres/postgres_store.h"
#include "store/postgres/rows.h"

namespace keyward {
namespace {

using pg::Connection;
using pg::Params;
using pg::Rows;

// One atomic statement: inserts a fresh claim, or takes over a running one that went stale;
// returns a row only when the claim is ours. Two nodes racing on the same key: the second waits
// on the first's row, then sees it (not stale) and gets no row.
const std::string kClaim =
    "INSERT INTO idempotency_keys AS k (scope, key, fingerprint, done, status, body, created)"
    " VALUES ($1, $2, $3, false, 0, '', $4)"
    " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, done = false,"
    " status = 0, body = '', created = excluded.created"
    " WHERE NOT k.done AND k.created < $5"
    " RETURNING 1";
const std::string kSelect =
    "SELECT fingerprint, done, status, body, created FROM idempotency_keys"
    " WHERE scope = $1 AND key = $2";
const std::string kComplete =
    "UPDATE idempotency_keys SET done = true, status = $3, body = $4"
    " WHERE scope = $1 AND key = $2";
const std::string kRelease = "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2";
const std::string kPurge = "DELETE FROM idempotency_keys WHERE created <= $1";

constexpr int kClaimAttempts = 5;  // a record released between our two statements: try again

}  // namespace

Result<IdempotencyClaim> PostgresStore::ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                                            int64_t stale_before_unix) {
  return With([&](Connection& conn) -> Result<IdempotencyClaim> {
    for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
      Params p;
      p.Add(claim.scope)
          .Add(claim.key)
          .Add(claim.fingerprint)
          .Add(claim.created)
          .Add(stale_before_unix);
      Result<Rows> claimed = conn.Exec(kClaim, p);
      if (!claimed.ok()) return claimed.error();
      if (!claimed->empty()) return IdempotencyClaim{true, std::nullopt};
      Result<Rows> rows = conn.Exec(kSelect, Params().Add(claim.scope).Add(claim.key));
      if (!rows.ok()) return rows.error();
      if (rows->empty()) continue;  // released meanwhile
      IdempotencyRecord existing;
      existing.scope = claim.scope;
      existing.key = claim.key;
      if (!rows->ReadDigest(0, 0, &existing.fingerprint)) {
        return Error(ErrorCode::kInternalError, "PostgreSQL: malformed idempotency row");
      }
      existing.done = rows->Bool(0, 1);
      existing.status = static_cast<int>(rows->Int(0, 2));
      existing.body = rows->Text(0, 3);
      existing.created = rows->Int(0, 4);
      return IdempotencyClaim{false, std::move(existing)};
    }
    return Error(ErrorCode::kUnavailable, "PostgreSQL: the Idempotency-Key kept changing");
  });
}

Status PostgresStore::CompleteIdempotencyKey(std::string_view scope, std::string_view key,
                                             int status, std::string_view body) {
  Result<int64_t> n = Change(kComplete, Params().Add(scope).Add(key).Add(status).Add(body));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Status PostgresStore::ReleaseIdempotencyKey(std::string_view scope, std::string_view key) {
  Result<int64_t> n = Change(kRelease, Params().Add(scope).Add(key));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Result<int64_t> PostgresStore::PurgeIdempotencyKeys(int64_t cutoff_unix) {
  return Change(kPurge, Params().Add(cutoff_unix));
}

}  // namespace keyward
