// Store conformance: an Idempotency-Key record commits in the same transaction as the change it
// guards (store/idempotency_binding.h, API.md 16.1) — a change made under a binding marks the
// record done with its replay; a change that rolls back leaves it claimed (and releasable); a
// record a change marked done survives a release (the client may never have heard the outcome).
#include <string>
#include <thread>

#include "store/idempotency_binding.h"
#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

IdempotencyRecord Claim(const std::string& key) {
  IdempotencyRecord claim;
  claim.scope = "acct_1";
  claim.key = key;
  claim.fingerprint[0] = 9;
  claim.created = kNow;
  return claim;
}

IdempotencyBinding Bind(const std::string& key) {
  IdempotencyBinding binding;
  binding.scope = "acct_1";
  binding.key = key;
  binding.replay_body = [](const EventRow& event) {
    return "{\"replay_of\":\"" + event.id + "\"}";
  };
  return binding;
}

EventFor<TokenRow> CreatedEvent(const std::string& event_id) {
  return [event_id](const TokenRow*, const TokenRow& after) {
    EventRow e;
    e.id = event_id;
    e.type = "token.created";
    e.created = kNow;
    e.account_id = after.account_id;
    e.data = "{\"object\":{\"id\":\"" + after.id + "\"}}";
    return e;
  };
}

// The record of `key` when a new claim finds one (nullopt when the claim succeeds).
std::optional<IdempotencyRecord> Existing(Store& store, const std::string& key) {
  auto again = store.ClaimIdempotencyKey(Claim(key), kNow - 60);
  EXPECT_TRUE(again.ok());
  if (!again.ok() || again->claimed) return std::nullopt;
  return again->existing;
}

TEST_P(StoreConformanceTest,
       IdempotencyTxAChangeUnderABindingMarksTheRecordDoneInItsOwnTransaction) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().ClaimIdempotencyKey(Claim("k-done"), kNow - 60)->claimed);
  const IdempotencyBinding binding = Bind("k-done");
  {
    IdempotencyBindingScope bound(&binding);
    ASSERT_TRUE(store().InsertToken(MakeToken("tok_a", "acct_1", 1), CreatedEvent("evt_a")).ok());
  }
  auto existing = Existing(store(), "k-done");
  ASSERT_TRUE(existing.has_value());
  EXPECT_TRUE(existing->done);
  EXPECT_EQ(existing->status, 200);
  EXPECT_EQ(existing->body, "{\"replay_of\":\"evt_a\"}");

  // The request then failed to answer (a broken connection, a 503): releasing keeps the outcome.
  ASSERT_TRUE(store().ReleaseIdempotencyKey("acct_1", "k-done").ok());
  existing = Existing(store(), "k-done");
  ASSERT_TRUE(existing.has_value());
  EXPECT_TRUE(existing->done);
  // Completing with the exact response replaces the replay.
  ASSERT_TRUE(store().CompleteIdempotencyKey("acct_1", "k-done", 200, "{\"id\":\"tok_a\"}").ok());
  EXPECT_EQ(Existing(store(), "k-done")->body, "{\"id\":\"tok_a\"}");
}

TEST_P(StoreConformanceTest, IdempotencyTxAChangeThatRollsBackLeavesTheClaimToRelease) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().ClaimIdempotencyKey(Claim("k-failed"), kNow - 60)->claimed);
  ASSERT_TRUE(store().InsertToken(MakeToken("tok_a", "acct_1", 1), CreatedEvent("evt_a")).ok());
  const IdempotencyBinding binding = Bind("k-failed");
  {
    IdempotencyBindingScope bound(&binding);
    // The record is marked, then the event's insert breaks (a duplicate id): all rolls back.
    Status failed = store().InsertToken(MakeToken("tok_b", "acct_1", 2), CreatedEvent("evt_a"));
    ASSERT_FALSE(failed.ok());
  }
  EXPECT_FALSE(store().GetToken("acct_1", "tok_b")->has_value()) << "no half-write";
  auto existing = Existing(store(), "k-failed");
  ASSERT_TRUE(existing.has_value());
  EXPECT_FALSE(existing->done) << "the mark rolled back with the change";
  ASSERT_TRUE(store().ReleaseIdempotencyKey("acct_1", "k-failed").ok());
  EXPECT_TRUE(store().ClaimIdempotencyKey(Claim("k-failed"), kNow - 60)->claimed)
      << "released: a retry runs";
}

TEST_P(StoreConformanceTest, IdempotencyTxWithoutABindingNothingIsMarked) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().ClaimIdempotencyKey(Claim("k-free"), kNow - 60)->claimed);
  ASSERT_TRUE(store().InsertToken(MakeToken("tok_a", "acct_1", 1), CreatedEvent("evt_a")).ok());
  auto existing = Existing(store(), "k-free");
  ASSERT_TRUE(existing.has_value());
  EXPECT_FALSE(existing->done);
}

TEST_P(StoreConformanceTest, IdempotencyTxTheBindingFollowsTheCallerOnly) {
  CreateAccount("acct_1");
  ASSERT_TRUE(store().ClaimIdempotencyKey(Claim("k-mine"), kNow - 60)->claimed);
  const IdempotencyBinding binding = Bind("k-mine");
  IdempotencyBindingScope bound(&binding);
  // Another thread's change (no binding of its own) leaves the record alone.
  std::thread other([&] {
    ASSERT_TRUE(store().InsertToken(MakeToken("tok_o", "acct_1", 3), CreatedEvent("evt_o")).ok());
  });
  other.join();
  auto existing = Existing(store(), "k-mine");
  ASSERT_TRUE(existing.has_value());
  EXPECT_FALSE(existing->done);
}

}  // namespace
}  // namespace keyward::conformance
