// Usage counts (API.md 12) through the real binary: exact as answered, in the right minute, within
// 2 s; summed over two nodes (one SQLite file and Redis); kept over SIGTERM (flushed at shutdown)
// and SIGKILL (what was visible stays). The operators' CLI (API.md 16): tokens list/revoke (the
// running server refuses the key within 1 s), accounts list, and a backup taken while serving
// that restores into a working keyward.
#include <filesystem>
#include <thread>

#include "harness.h"
#include "redis_server.h"

namespace keyward_it {
namespace {

const char* kFivePerMinute = R"toml(
[plans.default]
rate_limit = "5/min"
)toml";

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The token's minute buckets over the last two minutes, summed, as the admin sees them.
struct Counts {
  int64_t valid = -1, rate_limited = -1, unauthorized = -1;
};
Counts TokenCounts(const KeywardProcess& node, const std::string& admin, const std::string& tok) {
  HttpClient c = node.Client();
  const int64_t now = NowUnix();
  Response r = c.Get("/v1/usage?granularity=minute&from=" + std::to_string(now - 120) +
                         "&to=" + std::to_string(now + 1) + "&token=" + tok,
                     Admin(admin));
  if (r.status != 200) throw std::runtime_error("GET /v1/usage: " + Describe(r));
  Counts out{0, 0, 0};
  const boost::json::object body = r.object();
  for (const auto& b : body.at("data").as_array()) {
    out.valid += AsInt(b.at("valid"));
    out.rate_limited += AsInt(b.at("rate_limited"));
    out.unauthorized += AsInt(b.at("unauthorized"));
  }
  return out;
}

bool CountsAre(const KeywardProcess& node, const std::string& admin, const std::string& tok,
               int64_t valid, int64_t limited) {
  Counts c = TokenCounts(node, admin, tok);
  return c.valid == valid && c.rate_limited == limited;
}

// Eight requests against 5/min: the statuses answered (200s and 429s).
std::pair<int, int> EightRequests(const KeywardProcess& node, const std::string& key) {
  HttpClient c = node.Client();
  int ok = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const int s = Auth(c, key).status;
    ok += s == 200;
    limited += s == 429;
  }
  return {ok, limited};
}

TEST(UsageIntegrationTest, EightRequestsAreCountedExactlyWithin2sAndSurviveSigterm) {
  KeywardProcess p({.config_toml = kFivePerMinute});
  HttpClient c = p.Client();
  const std::string account = CreateAccount(c, p.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(p.admin_key(), account));
  EXPECT_EQ(EightRequests(p, key.key), std::make_pair(5, 3));
  EXPECT_TRUE(PollUntil([&] { return CountsAre(p, p.admin_key(), key.id, 5, 3); },
                        std::chrono::seconds(2)));
  // More requests, then SIGTERM at once: the shutdown flushes them.
  HttpClient c2 = p.Client();
  const int last = Auth(c2, key.key).status;  // 429, unless the bucket refilled meanwhile
  ASSERT_EQ(p.Stop(SIGTERM), 0);
  p.Start();
  EXPECT_TRUE(CountsAre(p, p.admin_key(), key.id, 5 + (last == 200), 3 + (last == 429)));
}

TEST(UsageIntegrationTest, CountsThatWereVisibleSurviveSigkill) {
  KeywardProcess p({.config_toml = kFivePerMinute});
  HttpClient c = p.Client();
  const std::string account = CreateAccount(c, p.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(p.admin_key(), account));
  EXPECT_EQ(EightRequests(p, key.key), std::make_pair(5, 3));
  ASSERT_TRUE(PollUntil([&] { return CountsAre(p, p.admin_key(), key.id, 5, 3); },
                        std::chrono::seconds(2)));
  p.Kill();
  p.Start();
  EXPECT_TRUE(CountsAre(p, p.admin_key(), key.id, 5, 3));
}

TEST(UsageIntegrationTest, TwoNodesSumTheirCounts) {
  keyward_test::RedisServer redis;
  const std::string config =
      std::string(kFivePerMinute) + "[redis]\nurl = \"" + redis.url() + "\"\nresync_seconds = 1\n";
  KeywardProcess a({.config_toml = config});
  KeywardProcess b({.config_toml = config, .create_admin_key = false, .store_dir = a.data_dir()});
  HttpClient ca = a.Client();
  const std::string account = CreateAccount(ca, a.admin_key());
  CreatedKey key = CreateKey(ca, AdminFor(a.admin_key(), account));
  ASSERT_TRUE(PollUntil(
      [&] {
        HttpClient cb = b.Client();
        return Auth(cb, key.key, "GET", "/warm-up").status != 401;
      },
      std::chrono::seconds(5)));  // b knows the key (its first request is counted too)
  const auto [ok_a, limited_a] = EightRequests(a, key.key);
  const auto [ok_b, limited_b] = EightRequests(b, key.key);
  EXPECT_EQ(ok_a + ok_b, 4);  // the warm-up took one of the five (the limit is shared in Redis)
  // Exactly what the clients were answered, summed over both nodes (+1: the warm-up).
  const int64_t valid = 1 + ok_a + ok_b, limited = limited_a + limited_b;
  EXPECT_TRUE(PollUntil([&] { return CountsAre(a, a.admin_key(), key.id, valid, limited); },
                        std::chrono::seconds(2)))
      << "valid " << TokenCounts(a, a.admin_key(), key.id).valid << ", rate_limited "
      << TokenCounts(a, a.admin_key(), key.id).rate_limited;
  EXPECT_TRUE(CountsAre(b, a.admin_key(), key.id, valid, limited));
}

TEST(UsageIntegrationTest, CliListsRevokesAndTheServerRefusesWithinOneSecond) {
  KeywardProcess p;
  HttpClient c = p.Client();
  const std::string account = CreateAccount(c, p.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(p.admin_key(), account));
  CreatedKey other = CreateKey(c, AdminFor(p.admin_key(), account));
  ASSERT_EQ(Auth(c, key.key).status, 200);

  auto cli = [&](std::vector<std::string> args) {
    for (auto& a : p.StoreArgs()) args.push_back(a);
    return p.RunCli(args);
  };
  CliResult accounts = cli({"accounts", "list"});
  ASSERT_EQ(accounts.exit_code, 0) << accounts.err;
  EXPECT_NE(accounts.out.find(account), std::string::npos);

  CliResult revoked = cli({"tokens", "revoke", key.id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  const auto done = std::chrono::steady_clock::now();
  EXPECT_NE(revoked.out.find("\"status\":\"revoked\""), std::string::npos) << revoked.out;
  EXPECT_TRUE(PollUntil([&] { return Auth(c, key.key).status == 401; }, std::chrono::seconds(1)))
      << "the server still accepts the key revoked by the CLI";
  std::printf("CLI revoke refused by the server after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - done)
                                         .count()));

  CliResult active = cli({"tokens", "list", "--account", account, "--status", "active"});
  ASSERT_EQ(active.exit_code, 0) << active.err;
  EXPECT_NE(active.out.find(other.id), std::string::npos);
  EXPECT_EQ(active.out.find(key.id), std::string::npos);
  CliResult all = cli({"tokens", "list", "--account", account});
  EXPECT_NE(all.out.find(key.id), std::string::npos);
  EXPECT_NE(cli({"tokens", "revoke", "tok_000000000000000000000000"}).exit_code, 0);
  EXPECT_NE(cli({"tokens", "list", "--account", account, "--status", "odd"}).exit_code, 0);
}

TEST(UsageIntegrationTest, BackupWhileServingRestoresIntoAWorkingKeyward) {
  KeywardProcess p;
  HttpClient c = p.Client();
  const std::string account = CreateAccount(c, p.admin_key());
  CreatedKey key = CreateKey(c, AdminFor(p.admin_key(), account));
  ASSERT_EQ(Auth(c, key.key).status, 200);

  KeywardProcess restored({.config_toml = "", .create_admin_key = false, .start = false});
  const std::string file = restored.data_dir() + "/keyward.db";
  std::vector<std::string> args = {"backup", "--to", file};
  for (auto& a : p.StoreArgs()) args.push_back(a);
  CliResult r = p.RunCli(args);  // the server keeps serving meanwhile
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Auth(c, key.key).status, 200);
  // An existing file is never overwritten.
  CliResult again = p.RunCli(args);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("exists"), std::string::npos) << again.err;

  restored.Start();
  HttpClient rc = restored.Client();
  EXPECT_EQ(Auth(rc, key.key).status, 200);
  Response tokens = rc.Get("/v1/tokens", AdminFor(p.admin_key(), account));
  EXPECT_EQ(tokens.status, 200) << Describe(tokens);
}

}  // namespace
}  // namespace keyward_it
