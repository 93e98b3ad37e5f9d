// SqlStore: Idempotency-Key records (API.md 1.4).
#include "store/idempotency_binding.h"
#include "store/sql/binding_driver.h"
#include "store/sql/sql_store.h"

namespace keyward {
namespace {

using sql::Params;
using sql::Session;
using sql::Statement;

// One atomic statement: inserts a fresh claim, or takes over a running one that went stale;
// returns a row only when the claim is ours. Two nodes racing on the same key: the second waits
// on the first's row, then sees it (not stale) and gets no row.
const Statement kClaim(
    "INSERT INTO idempotency_keys AS k (" KEYWARD_IDEMPOTENCY_COLUMNS
    ") VALUES ($1, $2, $3, FALSE, 0, '', $4)"
    " ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, done = FALSE,"
    " status = 0, body = '', created = excluded.created"
    " WHERE NOT k.done AND k.created < $5"
    " RETURNING 1");
const Statement kSelect("SELECT " KEYWARD_IDEMPOTENCY_COLUMNS
                        " FROM idempotency_keys WHERE scope = $1 AND key = $2");
const Statement kComplete(
    "UPDATE idempotency_keys SET done = TRUE, status = $3, body = $4"
    " WHERE scope = $1 AND key = $2");
// A record a change already marked done in its own transaction (MarkIdempotencyDone) is the
// outcome the client may not have heard: never released, so a retry replays it.
const Statement kRelease(
    "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND done = FALSE");
// The record is the bound request's own claim: the last change the request makes sets the replay.
const Statement kMarkDone(
    "UPDATE idempotency_keys SET done = TRUE, status = $3, body = $4"
    " WHERE scope = $1 AND key = $2");
const Statement kPurge("DELETE FROM idempotency_keys WHERE created <= $1");

constexpr int kClaimAttempts = 5;  // a record released between our two statements: try again

}  // namespace

Result<IdempotencyClaim> SqlStore::ClaimIdempotencyKey(const IdempotencyRecord& claim,
                                                       int64_t stale_before_unix) {
  Params claim_params;
  claim_params.Add(claim.scope)
      .Add(claim.key)
      .Add(claim.fingerprint)
      .Add(claim.created)
      .Add(stale_before_unix);
  const Params select_params = Params().Add(claim.scope).Add(claim.key);
  return Run<IdempotencyClaim>(
      &sql::Driver::Write, [&](Session& session) -> Result<IdempotencyClaim> {
        for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
          Result<int64_t> claimed = session.Run(kClaim, claim_params);
          if (!claimed.ok()) return claimed.error();
          if (*claimed > 0) return IdempotencyClaim{true, std::nullopt};
          Result<std::optional<IdempotencyRecord>> existing =
              sql::QueryOne<IdempotencyRecord>(session, kSelect, select_params);
          if (!existing.ok()) return existing.error();
          if (!*existing) continue;  // released meanwhile
          return IdempotencyClaim{false, std::move(*existing)};
        }
        return Error(ErrorCode::kUnavailable, "store: the Idempotency-Key kept changing");
      });
}

Status SqlStore::CompleteIdempotencyKey(std::string_view scope, std::string_view key, int status,
                                        std::string_view body) {
  Result<int64_t> n = Change(kComplete, Params().Add(scope).Add(key).Add(status).Add(body));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

Status SqlStore::ReleaseIdempotencyKey(std::string_view scope, std::string_view key) {
  Result<int64_t> n = Change(kRelease, Params().Add(scope).Add(key));
  if (!n.ok()) return n.error();
  return Status::Ok();
}

namespace sql {

Status MarkIdempotencyDone(Session& session, const EventRow& event) {
  const IdempotencyBinding* binding = CurrentIdempotencyBinding();
  if (binding == nullptr || !binding->replay_body) return Status::Ok();
  const std::string body = binding->replay_body(event);
  if (body.empty()) return Status::Ok();
  Result<int64_t> ran = session.Run(
      kMarkDone,
      Params().Add(binding->scope).Add(binding->key).Add(binding->replay_status).Add(body));
  if (!ran.ok()) return ran.error();
  return Status::Ok();
}

}  // namespace sql

Result<int64_t> SqlStore::PurgeIdempotencyKeys(int64_t cutoff_unix) {
  return Change(kPurge, Params().Add(cutoff_unix));
}

}  // namespace keyward
