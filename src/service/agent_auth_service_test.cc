#include "service/agent_auth_service.h"

#include <gtest/gtest.h>

#include "limits/local_limiter.h"
#include "service/service_test_util.h"

namespace keyward {
namespace {

using testing::TestServices;

constexpr std::string_view kAgentIp = "192.0.2.7";
const std::string kToken(64, 'a');

class AgentAuthTest : public ::testing::Test {
 protected:
  AgentAuthTest() {
    CreateAccountParams p;
    p.email = "person@example.com";
    auto row = sv->accounts().Create(Principal::Admin({}), p);
    EXPECT_TRUE(row.ok());
    account = row->id;
  }
  AgentAuthService& agent() { return sv->agent_auth(); }
  // Polls after moving the clock past the per-token limit.
  AgentPoll PollLater(const std::string& token = kToken) {
    sv.clock.AdvanceSeconds(1);
    auto r = agent().Poll(token, kAgentIp, nullptr);
    EXPECT_TRUE(r.ok()) << r.error().message();
    return r.ok() ? *r : AgentPoll{};
  }
  std::vector<TokenRow> Keys() {
    ListOptions o;
    o.limit = 100;
    auto page = sv->tokens().List(Principal::Session(account), TokenFilter::kAll, o);
    EXPECT_TRUE(page.ok());
    return page.ok() ? page->items : std::vector<TokenRow>{};
  }

  TestServices sv;
  std::string account;
};

TEST_F(AgentAuthTest, TokenMustBe32To128Hex) {
  EXPECT_TRUE(AgentAuthService::ValidateToken(std::string(32, 'f')).ok());
  EXPECT_TRUE(AgentAuthService::ValidateToken(std::string(128, '0')).ok());
  EXPECT_TRUE(AgentAuthService::ValidateToken("0123456789abcdefABCDEF0123456789").ok());
  for (const std::string& bad : {std::string(31, 'a'), std::string(129, 'a'), std::string(32, 'g'),
                                 std::string(), std::string(40, ' ')}) {
    Status st = AgentAuthService::ValidateToken(bad);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.error().param(), "token");
  }
  auto poll = agent().Poll("nothex", kAgentIp, nullptr);
  ASSERT_FALSE(poll.ok());
  EXPECT_EQ(poll.error().code(), ErrorCode::kInvalidRequest);
}

TEST_F(AgentAuthTest, PendingThenApprovedOnceThenExpired) {
  EXPECT_EQ(PollLater().state, AgentAuthState::kPending);
  ASSERT_TRUE(agent().Decide(Principal::Session(account), kToken, true, "Claude Code").ok());
  EXPECT_EQ(agent().held(), 1u);
  auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "Claude Code (agent)");
  EXPECT_EQ(keys[0].type, KeyType::kSecret);

  AgentPoll approved = PollLater();
  ASSERT_EQ(approved.state, AgentAuthState::kApproved);
  EXPECT_EQ(approved.email, "person@example.com");
  EXPECT_TRUE(approved.api_key.starts_with("sk_live_"));
  EXPECT_EQ(Sha256(approved.api_key), keys[0].key_hash);
  EXPECT_TRUE(sv->verifier().Identify(approved.api_key).ok());
  EXPECT_EQ(agent().held(), 0u);

  AgentPoll after = PollLater();
  EXPECT_EQ(after.state, AgentAuthState::kExpired);
  EXPECT_TRUE(after.api_key.empty());
}

TEST_F(AgentAuthTest, DeniedStaysDeniedAndMakesNoKey) {
  ASSERT_TRUE(agent().Decide(Principal::Session(account), kToken, false, "Some CLI").ok());
  EXPECT_EQ(PollLater().state, AgentAuthState::kDenied);
  EXPECT_EQ(PollLater().state, AgentAuthState::kDenied);
  EXPECT_TRUE(Keys().empty());
  Status again = agent().Decide(Principal::Session(account), kToken, true, "Some CLI");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().param(), "token");
}

TEST_F(AgentAuthTest, ARequestAnsweredOnceOnly) {
  ASSERT_TRUE(agent().Decide(Principal::Session(account), kToken, true, "A").ok());
  Status twice = agent().Decide(Principal::Session(account), kToken, true, "A");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kInvalidRequest);
  EXPECT_EQ(Keys().size(), 1u);  // the second approval made no key
}

TEST_F(AgentAuthTest, ExpiresFifteenMinutesAfterFirstSeen) {
  EXPECT_EQ(PollLater().state, AgentAuthState::kPending);  // first seen now (+1 s)
  sv.clock.AdvanceSeconds(AgentAuthService::kLifetimeSeconds - 2);
  EXPECT_EQ(PollLater().state, AgentAuthState::kPending);  // 14:59 after first sight
  EXPECT_EQ(PollLater().state, AgentAuthState::kExpired);  // 15:00
  Status late = agent().Decide(Principal::Session(account), kToken, true, "Late");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().param(), "token");
  EXPECT_TRUE(Keys().empty());
}

TEST_F(AgentAuthTest, AnApprovalNotCollectedInTimeExpiresAndItsKeyIsRevoked) {
  ASSERT_TRUE(agent().Decide(Principal::Session(account), kToken, true, "Slow agent").ok());
  sv.clock.AdvanceSeconds(AgentAuthService::kLifetimeSeconds);
  EXPECT_EQ(PollLater().state, AgentAuthState::kExpired);
  auto keys = Keys();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].StatusAt(sv.clock.NowUnix()), TokenStatus::kRevoked);
  EXPECT_EQ(agent().held(), 0u);
}

TEST_F(AgentAuthTest, PollingFasterThanOncePerSecondIsRateLimited) {
  ASSERT_TRUE(agent().Poll(kToken, kAgentIp, nullptr).ok());
  int64_t retry = 0;
  auto fast = agent().Poll(kToken, kAgentIp, &retry);
  ASSERT_FALSE(fast.ok());
  EXPECT_EQ(fast.error().code(), ErrorCode::kRateLimited);
  EXPECT_GE(retry, 1);
  sv.clock.AdvanceNanos(999'000'000);
  EXPECT_FALSE(agent().Poll(kToken, kAgentIp, nullptr).ok());
  sv.clock.AdvanceNanos(1'000'000);
  EXPECT_TRUE(agent().Poll(kToken, kAgentIp, nullptr).ok());
  // Another token is limited on its own.
  EXPECT_TRUE(agent().Poll(std::string(64, 'b'), kAgentIp, nullptr).ok());
}

TEST_F(AgentAuthTest, ALostPlaintextIsReplacedByARolledKey) {
  // Approval on another instance sharing the store (as after a restart): this one holds no key,
  // and limits on its own.
  LocalLimiter other_limiter;
  AgentAuthService other(*sv.store_ptr, sv->tokens(), sv->accounts(), other_limiter, sv.clock);
  ASSERT_TRUE(other.Decide(Principal::Session(account), kToken, true, "Restarted").ok());
  auto before = Keys();
  ASSERT_EQ(before.size(), 1u);

  AgentPoll approved = PollLater();
  ASSERT_EQ(approved.state, AgentAuthState::kApproved);
  auto after = Keys();
  ASSERT_EQ(after.size(), 2u);  // the roll: a new key, the unknowable one revoked
  EXPECT_EQ(after[0].name, "Restarted (agent)");
  EXPECT_EQ(Sha256(approved.api_key), after[0].key_hash);
  EXPECT_EQ(after[1].id, before[0].id);
  EXPECT_EQ(after[1].StatusAt(sv.clock.NowUnix()), TokenStatus::kRevoked);
  EXPECT_EQ(PollLater().state, AgentAuthState::kExpired);
}

TEST_F(AgentAuthTest, TokenCaseDoesNotMatterAndClientNameIsChecked) {
  ASSERT_TRUE(agent().Decide(Principal::Session(account), std::string(40, 'A'), false, "x").ok());
  EXPECT_EQ(PollLater(std::string(40, 'a')).state, AgentAuthState::kDenied);
  Status empty = agent().Decide(Principal::Session(account), kToken, true, "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().param(), "client_name");
  Status control = agent().Decide(Principal::Session(account), kToken, true, "a\nb");
  ASSERT_FALSE(control.ok());
  EXPECT_EQ(control.error().param(), "client_name");
  Status long_name =
      agent().Decide(Principal::Session(account), kToken, true, std::string(65, 'n'));
  ASSERT_FALSE(long_name.ok());
}

TEST_F(AgentAuthTest, PurgeDropsDayOldRequests) {
  ASSERT_TRUE(agent().Poll(kToken, kAgentIp, nullptr).ok());
  sv.clock.AdvanceSeconds(AgentAuthService::kRetentionSeconds);
  auto purged = agent().Purge();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
}

}  // namespace
}  // namespace keyward
