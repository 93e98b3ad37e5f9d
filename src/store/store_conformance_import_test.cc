// The Store conformance suite (see store_conformance_test.cc): importing keys (API.md 11.4) —
// every key and its event in one transaction, a hash already stored refusing the whole import
// with the index of the duplicate, and the imported mark surviving reads and the change feed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

EventFor<TokenRow> ImportedEvent() {
  return [](const TokenRow*, const TokenRow& after) {
    EventRow e;
    e.id = "evt_" + after.id;
    e.type = "token.imported";
    e.created = kNow;
    e.account_id = after.account_id;
    e.livemode = after.livemode;
    e.actor = EventActor{"admin_key", "ak_test", {}};
    e.data = R"({"object":{}})";
    return e;
  };
}

TokenRow Imported(const std::string& id, int hash) {
  TokenRow t = MakeToken(id, "acct_1", hash);
  t.imported = true;
  t.key_prefix.clear();  // not given
  t.last4.clear();
  return t;
}

size_t ImportedEvents(Store& store) {
  EventFilter filter;
  filter.type = "token.imported";
  Result<Page<EventRow>> page = store.ListEvents(filter, Options(100));
  EXPECT_TRUE(page.ok());
  return page.ok() ? page->items.size() : 0;
}

TEST_P(StoreConformanceTest, ImportTokensStoresEveryKeyWithItsEvent) {
  CreateAccount("acct_1");
  std::vector<TokenRow> rows = {Imported("tok_a", 11), Imported("tok_b", 12)};
  ASSERT_TRUE(store().ImportTokens(rows, ImportedEvent()).ok());
  for (const TokenRow& row : rows) {
    TokenRow stored = GetTokenOrDie("acct_1", row.id);
    EXPECT_EQ(TokenFields(stored), TokenFields(row));
    EXPECT_TRUE(stored.imported);
    EXPECT_TRUE(stored.key_prefix.empty());
  }
  EXPECT_EQ(ImportedEvents(store()), 2u);
  // Issued keys are not marked; the change feed carries the mark.
  InsertToken(MakeToken("tok_issued", "acct_1", 13));
  EXPECT_FALSE(GetTokenOrDie("acct_1", "tok_issued").imported);
  std::vector<std::pair<std::string, bool>> changed;
  ASSERT_TRUE(store()
                  .ForEachTokenChangedAfter(
                      0, 100, [&](TokenRow&& row) { changed.emplace_back(row.id, row.imported); })
                  .ok());
  EXPECT_EQ(changed, (std::vector<std::pair<std::string, bool>>{
                         {"tok_a", true}, {"tok_b", true}, {"tok_issued", false}}));
}

TEST_P(StoreConformanceTest, ImportTokensRefusesAStoredHashWithItsIndexAndWritesNothing) {
  CreateAccount("acct_1");
  InsertToken(MakeToken("tok_issued", "acct_1", 21));
  std::vector<TokenRow> rows = {Imported("tok_a", 22), Imported("tok_b", 23),
                                Imported("tok_c", 21)};
  Status st = store().ImportTokens(rows, ImportedEvent());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(st.error().param(), "keys[2].sha256");
  for (const char* id : {"tok_a", "tok_b", "tok_c"}) {
    Result<std::optional<TokenRow>> row = store().GetToken("acct_1", id);
    ASSERT_TRUE(row.ok());
    EXPECT_FALSE(row->has_value()) << id;
  }
  EXPECT_EQ(ImportedEvents(store()), 0u);
}

}  // namespace
}  // namespace keyward::conformance
