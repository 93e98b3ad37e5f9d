// The Store conformance suite (see store_conformance_test.cc): runtime control (API.md 11) —
// token metadata, allowlists and disable; optimistic updates of tokens and accounts; the account
// change sequence; account list filters; ending an account's sessions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

TokenRow UpdatedOrDie(Store& store, const TokenRow& row) {
  Result<std::optional<TokenRow>> written = store.UpdateToken(row);
  EXPECT_TRUE(written.ok()) << (written.ok() ? "" : written.error().ForLog());
  EXPECT_TRUE(written.ok() && written->has_value());
  return written.ok() && written->has_value() ? **written : TokenRow{};
}

AccountRow AccountOrDie(Store& store, const std::string& id) {
  Result<std::optional<AccountRow>> row = store.GetAccount(id);
  EXPECT_TRUE(row.ok() && row->has_value()) << id;
  return row.ok() && row->has_value() ? **row : AccountRow{};
}

TEST_P(StoreConformanceTest, TokenMetadataAllowlistAndDisabledRoundTrip) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 1);
  t.metadata = {{"customer", "caf\xc3\xa9 \"quoted\""}, {"tier", "gold"}};
  t.ip_allowlist = {"10.0.0.0/8", "2001:db8::/32"};
  t.disabled_at = kNow - 3;
  InsertToken(t);
  EXPECT_EQ(TokenFields(GetTokenOrDie("acct_1", "tok_1")), TokenFields(t));
  Result<std::optional<TokenRow>> by_hash = store().FindTokenByHash(HashOf(1));
  ASSERT_TRUE(by_hash.ok() && by_hash->has_value());
  EXPECT_EQ(TokenFields(**by_hash), TokenFields(t));
  EXPECT_GT((*by_hash)->change_seq, 0);
}

TEST_P(StoreConformanceTest, UpdateTokenWritesTheMutableFieldsOnly) {
  CreateAccount("acct_1");
  TokenRow t = MakeToken("tok_1", "acct_1", 1);
  t.type = KeyType::kRestricted;
  t.permissions = {"a:read"};
  InsertToken(t);
  TokenRow next = GetTokenOrDie("acct_1", "tok_1");
  const int64_t before = next.change_seq;
  next.name = "renamed";
  next.permissions = {"a:read", "b:write"};
  next.expires_at = kNow + 99;
  next.metadata = {{"k", "v"}};
  next.ip_allowlist = {"192.0.2.0/24"};
  next.disabled_at = kNow;
  next.key_prefix = "ignored";  // not an updatable field
  TokenRow written = UpdatedOrDie(store(), next);
  EXPECT_GT(written.change_seq, before);
  TokenRow stored = GetTokenOrDie("acct_1", "tok_1");
  EXPECT_EQ(stored.name, "renamed");
  EXPECT_EQ(stored.permissions, (std::vector<std::string>{"a:read", "b:write"}));
  EXPECT_EQ(stored.expires_at, kNow + 99);
  EXPECT_EQ(stored.metadata, (Metadata{{"k", "v"}}));
  EXPECT_EQ(stored.ip_allowlist, std::vector<std::string>{"192.0.2.0/24"});
  EXPECT_EQ(stored.disabled_at, kNow);
  EXPECT_EQ(stored.key_prefix, t.key_prefix);
  EXPECT_EQ(stored.change_seq, written.change_seq);
  EXPECT_EQ(TokenFields(stored), TokenFields(written));
}

TEST_P(StoreConformanceTest, UpdateTokenWithAStaleChangeSeqWritesNothing) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  TokenRow first = GetTokenOrDie("acct_1", "tok_1");
  TokenRow second = first;
  first.name = "first";
  UpdatedOrDie(store(), first);
  second.name = "second";  // read before the first write landed
  Result<std::optional<TokenRow>> lost = store().UpdateToken(second);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->has_value());
  EXPECT_EQ(GetTokenOrDie("acct_1", "tok_1").name, "first");
}

TEST_P(StoreConformanceTest, UpdateTokenIsScopedToItsAccount) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  TokenRow row = GetTokenOrDie("acct_1", "tok_1");
  row.account_id = "acct_2";
  row.name = "stolen";
  Result<std::optional<TokenRow>> other = store().UpdateToken(row);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  row.id = "tok_missing";
  row.account_id = "acct_1";
  Result<std::optional<TokenRow>> missing = store().UpdateToken(row);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_NE(GetTokenOrDie("acct_1", "tok_1").name, "stolen");
}

TEST_P(StoreConformanceTest, UpdatedTokensAreInTheChangeFeed) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_1", "acct_1", 1));
  InsertToken(MakeToken("tok_2", "acct_1", 2));
  Result<int64_t> cursor = store().TokenChangeCursor();
  ASSERT_TRUE(cursor.ok());
  TokenRow row = GetTokenOrDie("acct_1", "tok_1");
  row.disabled_at = kNow;
  UpdatedOrDie(store(), row);
  std::vector<std::string> seen;
  Result<int64_t> next = store().ForEachTokenChangedAfter(
      *cursor, 100, [&](TokenRow&& t) { seen.push_back(t.id + (t.disabled_at ? "-off" : "")); });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(seen, std::vector<std::string>{"tok_1-off"});
  EXPECT_GT(*next, *cursor);
}

TEST_P(StoreConformanceTest, DisabledTokensHaveTheirOwnListFilter) {
  InsertTokensForLists();
  TokenRow off = MakeToken("tok_off", "acct_1", 20);
  off.disabled_at = kNow - 1;
  InsertToken(off);
  TokenRow off_revoked = MakeToken("tok_off_revoked", "acct_1", 21);
  off_revoked.disabled_at = kNow - 1;
  off_revoked.revoked_at = kNow - 1;
  InsertToken(off_revoked);
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kDisabled), std::vector<std::string>{"tok_off"});
  const std::vector<std::string> active = ListTokenIds("acct_1", TokenFilter::kActive);
  EXPECT_EQ(active, (std::vector<std::string>{"tok_future", "tok_active"}));
  EXPECT_EQ(ListTokenIds("acct_1", TokenFilter::kRevoked).front(), "tok_off_revoked");
}

TEST_P(StoreConformanceTest, UpdateAccountWritesItsFieldsAndMovesItsChangeSeq) {
  CreateAccount("acct_1", "a@example.com");
  Result<int64_t> cursor = store().AccountChangeCursor();
  ASSERT_TRUE(cursor.ok());
  AccountRow row = AccountOrDie(store(), "acct_1");
  row.name = "Renamed";
  row.email = "new@example.com";
  row.plan = "pro";
  row.metadata = {{"crm", "42"}};
  row.rate_limit = "10/min";
  row.account_rate_limit = "100/hour";
  row.disabled_at = kNow;
  row.credits = 12345;  // not an updatable field
  Result<std::optional<AccountRow>> written = store().UpdateAccount(row);
  ASSERT_TRUE(written.ok() && written->has_value());
  AccountRow stored = AccountOrDie(store(), "acct_1");
  EXPECT_EQ(stored.name, "Renamed");
  EXPECT_EQ(stored.email, "new@example.com");
  EXPECT_EQ(stored.plan, "pro");
  EXPECT_EQ(stored.metadata, (Metadata{{"crm", "42"}}));
  EXPECT_EQ(stored.rate_limit, "10/min");
  EXPECT_EQ(stored.account_rate_limit, "100/hour");
  EXPECT_EQ(stored.disabled_at, kNow);
  EXPECT_NE(stored.credits, 12345);
  EXPECT_GT(stored.change_seq, *cursor);

  std::vector<std::string> seen;
  Result<int64_t> next = store().ForEachAccountChangedAfter(
      *cursor, 100, [&](AccountRow&& a) { seen.push_back(a.id); });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(seen, std::vector<std::string>{"acct_1"});
  EXPECT_EQ(*next, stored.change_seq);
  Result<int64_t> after = store().AccountChangeCursor();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, stored.change_seq);

  // Nulls clear the overrides and the disable.
  stored.rate_limit.reset();
  stored.account_rate_limit.reset();
  stored.disabled_at.reset();
  ASSERT_TRUE(store().UpdateAccount(stored).ok());
  AccountRow cleared = AccountOrDie(store(), "acct_1");
  EXPECT_FALSE(cleared.rate_limit.has_value());
  EXPECT_FALSE(cleared.account_rate_limit.has_value());
  EXPECT_FALSE(cleared.disabled_at.has_value());
}

TEST_P(StoreConformanceTest, UpdateAccountChecksItsChangeSeqAndEmails) {
  CreateAccount("acct_1", "a@example.com");
  CreateAccount("acct_2", "b@example.com");
  AccountRow first = AccountOrDie(store(), "acct_1");
  AccountRow stale = first;
  first.name = "first";
  ASSERT_TRUE(store().UpdateAccount(first).ok());
  stale.name = "stale";
  Result<std::optional<AccountRow>> lost = store().UpdateAccount(stale);
  ASSERT_TRUE(lost.ok());
  EXPECT_FALSE(lost->has_value());
  EXPECT_EQ(AccountOrDie(store(), "acct_1").name, "first");

  AccountRow taken = AccountOrDie(store(), "acct_1");
  taken.email = "B@example.com";
  Result<std::optional<AccountRow>> dup = store().UpdateAccount(taken);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(dup.error().param(), "email");
  EXPECT_EQ(AccountOrDie(store(), "acct_1").email, "a@example.com");
}

TEST_P(StoreConformanceTest, CreditChangesDoNotMoveTheAccountChangeSeq) {
  CreateAccount("acct_1");
  Result<int64_t> cursor = store().AccountChangeCursor();
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(store().AddCredits("acct_1", 5).ok());
  ASSERT_TRUE(store().RecordCreditUsage({{"acct_1", 1}}).ok());
  Result<int64_t> after = store().AccountChangeCursor();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *cursor);
}

TEST_P(StoreConformanceTest, ListAccountsFiltersByEmailPlanAndStatus) {
  CreateAccount("acct_1", "One@Example.com");
  CreateAccount("acct_2", "two@example.com");
  CreateAccount("acct_3", "three@example.com");
  AccountRow pro = AccountOrDie(store(), "acct_2");
  pro.plan = "gold";  // the others keep MakeAccount's plan
  pro.disabled_at = kNow;
  ASSERT_TRUE(store().UpdateAccount(pro).ok());
  auto ids = [&](const AccountFilter& f) {
    Result<Page<AccountRow>> page = store().ListAccounts(Options(100), f);
    EXPECT_TRUE(page.ok());
    return page.ok() ? Ids(*page) : std::vector<std::string>{};
  };
  auto filter = [](std::string email, std::string plan, AccountStatusFilter status) {
    AccountFilter f;
    f.email = std::move(email);
    f.plan = std::move(plan);
    f.status = status;
    return f;
  };
  constexpr AccountStatusFilter kAny = AccountStatusFilter::kAny;
  EXPECT_EQ(ids(filter("one@example.COM", "", kAny)), std::vector<std::string>{"acct_1"});
  EXPECT_TRUE(ids(filter("one@example", "", kAny)).empty());
  EXPECT_EQ(ids(filter("", "gold", kAny)), std::vector<std::string>{"acct_2"});
  EXPECT_EQ(ids(filter("", "", AccountStatusFilter::kDisabled)),
            std::vector<std::string>{"acct_2"});
  EXPECT_EQ(ids(filter("", "", AccountStatusFilter::kActive)),
            (std::vector<std::string>{"acct_3", "acct_1"}));
  EXPECT_TRUE(ids(filter("", "gold", AccountStatusFilter::kActive)).empty());
  EXPECT_EQ(ids(filter("", "pro", kAny)), (std::vector<std::string>{"acct_3", "acct_1"}));
  EXPECT_EQ(ids({}).size(), 3u);
}

TEST_P(StoreConformanceTest, DeleteAccountSessionsEndsOnlyThatAccountsSessions) {
  CreateAccount("acct_1");
  CreateAccount("acct_2");
  SessionRow a{HashOf(1), "acct_1", "", kNow, kNow + 3600};
  SessionRow b{HashOf(2), "acct_1", "", kNow, kNow + 3600};
  SessionRow c{HashOf(3), "acct_2", "", kNow, kNow + 3600};
  for (const SessionRow& s : {a, b, c}) ASSERT_TRUE(store().InsertSession(s).ok());
  ASSERT_TRUE(store().DeleteAccountSessions("acct_1").ok());
  ASSERT_TRUE(store().DeleteAccountSessions("acct_none").ok());
  for (const Digest& gone : {HashOf(1), HashOf(2)}) {
    Result<std::optional<SessionRow>> found = store().FindSession(gone);
    ASSERT_TRUE(found.ok());
    EXPECT_FALSE(found->has_value());
  }
  Result<std::optional<SessionRow>> kept = store().FindSession(HashOf(3));
  ASSERT_TRUE(kept.ok());
  EXPECT_TRUE(kept->has_value());
}

}  // namespace
}  // namespace keyward::conformance
