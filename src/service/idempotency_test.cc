#include "service/idempotency.h"

#include <gtest/gtest.h>

#include "store/store_test_util.h"

namespace keyward {
namespace {

class IdempotencyServiceTest : public ::testing::Test {
 protected:
  testing_util::ScratchDir dir_;
  std::unique_ptr<Store> store_ = testing_util::OpenScratchStore(dir_);
  ManualClock clock_{1'800'000'000};
  IdempotencyService idem_{*store_, clock_};
  Digest a_ = IdempotencyService::Fingerprint("POST", "/v1/tokens", R"({"name":"a"})");
  Digest b_ = IdempotencyService::Fingerprint("POST", "/v1/tokens", R"({"name":"b"})");
};

TEST_F(IdempotencyServiceTest, TheLifeOfAKey) {
  EXPECT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kProceed);
  EXPECT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kInProgress);
  EXPECT_EQ(idem_.Begin("acct", "k", b_)->outcome, IdempotencyOutcome::kMismatch);
  ASSERT_TRUE(idem_.Finish("acct", "k", 200, "{}").ok());
  auto replay = idem_.Begin("acct", "k", a_);
  EXPECT_EQ(replay->outcome, IdempotencyOutcome::kReplay);
  EXPECT_EQ(replay->status, 200);
  EXPECT_EQ(replay->body, "{}");
  clock_.AdvanceSeconds(IdempotencyService::kRetentionSeconds);
  EXPECT_EQ(idem_.Purge(), 1);
  EXPECT_EQ(idem_.Begin("acct", "k", b_)->outcome, IdempotencyOutcome::kProceed);
}

TEST_F(IdempotencyServiceTest, RefusalsReleaseTheClaim) {
  ASSERT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kProceed);
  ASSERT_TRUE(idem_.Finish("acct", "k", 400, "").ok());
  EXPECT_EQ(idem_.Begin("acct", "k", b_)->outcome, IdempotencyOutcome::kProceed);
}

TEST_F(IdempotencyServiceTest, AClaimWhoseRequestDiedIsTakenOver) {
  ASSERT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kProceed);
  clock_.AdvanceSeconds(IdempotencyService::kStaleSeconds - 1);
  EXPECT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kInProgress);
  clock_.AdvanceSeconds(2);
  EXPECT_EQ(idem_.Begin("acct", "k", a_)->outcome, IdempotencyOutcome::kProceed);
}

TEST_F(IdempotencyServiceTest, KeysMustBePrintableAndShort) {
  EXPECT_TRUE(IdempotencyService::ValidateKey("a").ok());
  EXPECT_TRUE(IdempotencyService::ValidateKey(std::string(255, '~')).ok());
  for (const std::string& bad : {std::string(), std::string(256, 'a'), std::string("a\nb"),
                                 std::string("\x7f"), std::string("caf\xc3\xa9")}) {
    auto st = IdempotencyService::ValidateKey(bad);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().param(), "Idempotency-Key");
  }
}

}  // namespace
}  // namespace keyward
