// GET /metrics: Prometheus counters of every verification outcome, for the verifier's callers.
#include <string>

#include "harness.h"

namespace keyward_it {
namespace {

class MetricsTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({}); }
  static void TearDownTestSuite() { StopShared(); }
};

// The value of the sample line that starts with `series` (e.g. `keyward_ready`), or -1.
int64_t Sample(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      return std::stoll(text.substr(at + series.size() + 1));
    }
    at += series.size();
  }
  return -1;
}

TEST_F(MetricsTest, CountsEachVerificationOutcomeOnce) {
  std::string account = CreateAccount(client(), admin());
  CreatedKey key = CreateKey(client(), AdminFor(admin(), account));

  Response before = client().Get("/metrics");
  ASSERT_EQ(before.status, 200) << Describe(before);
  EXPECT_NE(before.header("Content-Type").value_or("").find("text/plain"), std::string::npos);
  const int64_t valid0 = Sample(before.body, "keyward_verifications_total{outcome=\"VALID\"}");
  const int64_t unauth0 =
      Sample(before.body, "keyward_verifications_total{outcome=\"UNAUTHORIZED\"}");
  ASSERT_GE(valid0, 0) << before.body;
  ASSERT_GE(unauth0, 0) << before.body;
  EXPECT_EQ(Sample(before.body, "keyward_ready"), 1);
  EXPECT_GE(Sample(before.body, "keyward_index_credentials"), 1);

  ASSERT_EQ(Auth(client(), key.key).status, 200);
  ASSERT_EQ(Verify(client(), key.key).status, 200);
  ASSERT_EQ(Auth(client(), "sk_live_notakey").status, 401);

  Response after = client().Get("/metrics");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(Sample(after.body, "keyward_verifications_total{outcome=\"VALID\"}"), valid0 + 2);
  EXPECT_EQ(Sample(after.body, "keyward_verifications_total{outcome=\"UNAUTHORIZED\"}"),
            unauth0 + 1);
  EXPECT_NE(after.body.find("# TYPE keyward_verifications_total counter"), std::string::npos);
  EXPECT_EQ(after.body.find(key.key), std::string::npos);
}

}  // namespace
}  // namespace keyward_it
