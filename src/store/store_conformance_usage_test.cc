// The Store conformance suite (see store_conformance_test.cc): usage counts (API.md 12) and
// finding a token by id alone.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "store/store_conformance.h"

namespace keyward::conformance {
namespace {

UsageRow Row(std::string owner, int64_t granularity, int64_t start, UsageCounts counts) {
  return UsageRow{std::move(owner), granularity, start, counts};
}

std::vector<UsageRow> ReadOrDie(Store& store, const std::string& owner, int64_t g, int64_t from,
                                int64_t to) {
  auto rows = store.ReadUsage(owner, g, from, to);
  EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().ForLog());
  return rows.ok() ? *rows : std::vector<UsageRow>{};
}

TEST_P(StoreConformanceTest, UsageDeltasAddUpPerBucket) {
  // One call holding the same bucket twice, and one bucket in a later call: everything sums.
  ASSERT_TRUE(store()
                  .AddUsage({Row("tok_a", 60, 120, {.valid = 2, .credits = 2}),
                             Row("tok_a", 60, 120, {.rate_limited = 1}),
                             Row("tok_a", 60, 180, {.forbidden = 1}),
                             Row("tok_b", 60, 120, {.unauthorized = 5})})
                  .ok());
  ASSERT_TRUE(store().AddUsage({Row("tok_a", 60, 120, {.valid = 1, .quota_exceeded = 3})}).ok());
  std::vector<UsageRow> a = ReadOrDie(store(), "tok_a", 60, 0, 1000);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].start, 120);
  EXPECT_EQ(a[0].counts,
            (UsageCounts{.valid = 3, .rate_limited = 1, .quota_exceeded = 3, .credits = 2}));
  EXPECT_EQ(a[1].start, 180);
  EXPECT_EQ(a[1].counts, UsageCounts{.forbidden = 1});
  std::vector<UsageRow> b = ReadOrDie(store(), "tok_b", 60, 0, 1000);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].counts.unauthorized, 5);
  EXPECT_TRUE(store().AddUsage({}).ok());
}

TEST_P(StoreConformanceTest, UsageReadsOneOwnerGranularityAndHalfOpenRange) {
  std::vector<UsageRow> rows;
  for (int64_t start = 0; start < 600; start += 60) rows.push_back(Row("acct_1", 60, start, {1}));
  rows.push_back(Row("acct_1", 3600, 0, {.valid = 10}));
  rows.push_back(Row("acct_2", 60, 120, {.valid = 7}));
  ASSERT_TRUE(store().AddUsage(rows).ok());
  std::vector<UsageRow> got = ReadOrDie(store(), "acct_1", 60, 120, 300);
  ASSERT_EQ(got.size(), 3u);  // 120, 180, 240 — not 300
  EXPECT_EQ(got[0].start, 120);
  EXPECT_EQ(got[2].start, 240);
  for (const UsageRow& r : got) {
    EXPECT_EQ(r.owner, "acct_1");
    EXPECT_EQ(r.granularity, 60);
    EXPECT_EQ(r.counts.valid, 1);
  }
  EXPECT_EQ(ReadOrDie(store(), "acct_1", 3600, 0, 3600).size(), 1u);
  EXPECT_TRUE(ReadOrDie(store(), "acct_3", 60, 0, 600).empty());
}

TEST_P(StoreConformanceTest, UsageFromTwoWritersAtOnceSums) {
  // Two nodes flushing the same buckets at the same time: no delta is lost and none deadlocks.
  constexpr int kFlushes = 20;
  auto writer = [&] {
    for (int i = 0; i < kFlushes; ++i) {
      Status st =
          store().AddUsage({Row("tok_z", 60, 60, {.valid = 1}), Row("acct_z", 60, 60, {.valid = 1}),
                            Row("*", 60, 60, {.valid = 1})});
      EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().ForLog());
    }
  };
  std::thread t1(writer), t2(writer);
  t1.join();
  t2.join();
  for (const char* owner : {"tok_z", "acct_z", "*"}) {
    std::vector<UsageRow> got = ReadOrDie(store(), owner, 60, 0, 120);
    ASSERT_EQ(got.size(), 1u) << owner;
    EXPECT_EQ(got[0].counts.valid, 2 * kFlushes) << owner;
  }
}

TEST_P(StoreConformanceTest, UsagePurgeDropsOnlyOlderRowsOfItsGranularity) {
  ASSERT_TRUE(store()
                  .AddUsage({Row("tok_a", 60, 0, {1}), Row("tok_a", 60, 60, {1}),
                             Row("tok_a", 60, 120, {1}), Row("tok_a", 3600, 0, {1})})
                  .ok());
  auto purged = store().PurgeUsage(60, 120);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(ReadOrDie(store(), "tok_a", 60, 0, 1000).size(), 1u);
  EXPECT_EQ(ReadOrDie(store(), "tok_a", 3600, 0, 3600).size(), 1u);
  EXPECT_EQ(*store().PurgeUsage(60, 120), 0);  // again: nothing more
}

TEST_P(StoreConformanceTest, FindTokenByIdWhateverTheAccount) {
  CreateAccount("acct_1");
  TokenRow token = MakeToken("tok_one", "acct_1", 1);
  InsertToken(token);
  auto found = store().FindTokenById("tok_one");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(TokenFields(**found), TokenFields(token));
  auto missing = store().FindTokenById("tok_none");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

}  // namespace
}  // namespace keyward::conformance
