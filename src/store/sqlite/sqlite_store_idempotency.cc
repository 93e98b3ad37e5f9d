// SqliteStore: Idempotency-Key records (API.md 1.4).
#include "store/sqlite/sqlite_store.h"

namespace keyward {
namespace {

using sqlite::Connection;
using sqlite::Stmt;

constexpr char kSelect[] =
    "SELECT fingerprint, done, status, body, created FROM idempotency_keys"
    " WHERE scope = ?1 AND key = ?2";
constexpr char kUpsert[] =
    "INSERT INTO idempotency_keys (scope, key, fingerprint, done, status, body, created)"
    " VALUES (?1, ?2, ?3, 0, 0, '', ?4)"
    " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, done = 0,"
    " status = 0, body = '', created = excluded.created";
constexpr char kComplete[] =
    "UPDATE idempotency_keys SET done = 1, status = ?3, body = ?4 WHERE scope = ?1 AND key = ?2";
constexpr char kRelease[] = "DELETE FROM idempotency_keys WHERE scope = ?1 AND key = ?2";
constexpr char kPurge[] = "DELETE FROM idempotency_keys WHERE created <= ?1";

}  // namespace

Result<IdempotencyClaim> SqliteStore::ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                                          int64_t stale_before_unix) {
  IdempotencyClaim out;
  Status s = writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> select = conn.Prepare(kSelect);
    if (!select.ok()) return select.error();
    select->Bind(1, claim.scope).Bind(2, claim.key);
    Result<bool> row = select->Step();
    if (!row.ok()) return row.error();
    if (*row) {
      IdempotencyRecord existing;
      existing.scope = claim.scope;
      existing.key = claim.key;
      if (!select->ReadDigest(0, &existing.fingerprint)) {
        return Error(ErrorCode::kInternalError, "sqlite: malformed idempotency row");
      }
      existing.done = select->Int(1) != 0;
      existing.status = static_cast<int>(select->Int(2));
      existing.body = std::string(select->Text(3));
      existing.created = select->Int(4);
      select->Reset();
      if (existing.done || existing.created >= stale_before_unix) {
        out = IdempotencyClaim{false, std::move(existing)};
        return Status::Ok();
      }
    } else {
      select->Reset();
    }
    Result<Stmt> upsert = conn.Prepare(kUpsert);
    if (!upsert.ok()) return upsert.error();
    upsert->Bind(1, claim.scope).Bind(2, claim.key).Bind(3, claim.fingerprint).Bind(4, claim.created);
    if (Status st = upsert->Run(); !st.ok()) return st;
    out = IdempotencyClaim{true, std::nullopt};
    return Status::Ok();
  });
  if (!s.ok()) return s.error();
  return out;
}

Status SqliteStore::CompleteIdempotencyKey(std::string_view scope, std::string_view key,
                                           int status, std::string_view body) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kComplete);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, scope).Bind(2, key).Bind(3, int64_t{status}).Bind(4, body);
    return stmt->Run();
  });
}

Status SqliteStore::ReleaseIdempotencyKey(std::string_view scope, std::string_view key) {
  return writes_.Run([&](Connection& conn) -> Status {
    Result<Stmt> stmt = conn.Prepare(kRelease);
    if (!stmt.ok()) return stmt.error();
    stmt->Bind(1, scope).Bind(2, key);
    return stmt->Run();
  });
}

Result<int64_t> SqliteStore::PurgeIdempotencyKeys(int64_t cutoff_unix) {
  return DeleteBefore(kPurge, cutoff_unix);
}

}  // namespace keyward
