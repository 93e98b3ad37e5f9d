// Crash safety (issue 7): SIGKILL the server at random moments during a stream of creates,
// revokes and charged requests, restart it, and check that nothing acknowledged was lost:
// every acknowledged create verifies, every acknowledged revoke stays revoked, usage is within
// the contract's bound (at most the last second before the crash is lost; nothing is charged
// twice), and the SQLite file passes PRAGMA integrity_check. Twenty crashes per run.
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

using Clock = std::chrono::steady_clock;

// Charged requests hit the default cost (1); verification checks use /free, which costs nothing.
const char* kCrashConfig = R"toml(
[credits]
default_cost = 1
[plans.default]
rate_limit = "1000000/s"
[[route]]
path = "/free"
cost = 0
)toml";

struct Ledger {
  std::mutex mu;
  std::vector<std::string> created;                           // acknowledged creates (keys), live
  std::vector<std::pair<std::string, std::string>> live_ids;  // (token id, key) revocable
  std::vector<std::string> revoked;                           // acknowledged revokes (keys)
  std::set<std::string> revoke_sent;                          // revokes sent, acknowledged or not
  std::vector<Clock::time_point> charges;                     // acknowledged charged requests
  int64_t attempted_charges = 0;                              // sent, acknowledged or not
};

std::string IntegrityCheck(const std::string& db) {
  std::string cmd = "sqlite3 '" + db + "' 'PRAGMA integrity_check' 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// One client's stream of operations until the server dies or `stop` is set.
void Stream(KeywardProcess& server, const Headers& admin, const std::string& charged_key,
            Ledger& ledger, std::atomic<bool>& stop, unsigned seed) {
  std::mt19937 rng(seed);
  try {
    HttpClient c(server.port(), std::chrono::seconds(5));
    while (!stop.load()) {
      switch (rng() % 3) {
        case 0: {  // create
          Response r = c.Post("/v1/tokens", boost::json::object{{"name", "crash"}}, admin);
          if (r.status != 200) break;
          auto o = r.object();
          std::lock_guard lock(ledger.mu);
          ledger.created.emplace_back(o.at("key").as_string());
          ledger.live_ids.emplace_back(o.at("id").as_string(), o.at("key").as_string());
          break;
        }
        case 1: {  // revoke one of the acknowledged keys
          std::pair<std::string, std::string> victim;
          {
            std::lock_guard lock(ledger.mu);
            if (ledger.live_ids.empty()) break;
            victim = ledger.live_ids.back();
            ledger.live_ids.pop_back();
            ledger.revoke_sent.insert(victim.second);  // may commit even if we never hear back
          }
          if (victim.first.empty()) break;
          Response r =
              c.Post("/v1/tokens/" + victim.first + "/revoke", boost::json::object{}, admin);
          if (r.status == 200) {
            std::lock_guard lock(ledger.mu);
            ledger.revoked.push_back(victim.second);
          }
          break;
        }
        default: {  // a charged request
          {
            std::lock_guard lock(ledger.mu);
            ++ledger.attempted_charges;
          }
          Response r = Auth(c, charged_key, "GET", "/v1/work");
          if (r.status == 200) {
            std::lock_guard lock(ledger.mu);
            ledger.charges.push_back(Clock::now());
          }
          break;
        }
      }
    }
  } catch (const std::exception&) {
    // The server was killed under us: the stream ends here.
  }
}

TEST(CrashSafetyTest, TwentyRandomSigkillsLoseNothingAcknowledged) {
  KeywardProcess server({.config_toml = kCrashConfig});
  const std::string admin_key = server.admin_key();
  std::string account, charged_key;
  {
    HttpClient c = server.Client();
    account = CreateAccount(c, admin_key, {{"credits", 100000000}});
    charged_key = CreateKey(c, AdminFor(admin_key, account)).key;
  }
  const Headers admin = AdminFor(admin_key, account);
  const std::string db = server.data_dir() + "/keyward.db";
  Ledger ledger;
  std::mt19937 rng(20261122);
  int64_t must_have_used = 0;  // per round, charges acknowledged more than 1 s before its crash
  size_t checked = 0;          // ledger.created[0, checked) were verified after an earlier crash
  size_t checked_revoked = 0;  // likewise ledger.revoked

  for (int round = 0; round < 20; ++round) {
    std::atomic<bool> stop{false};
    size_t round_start;
    {
      std::lock_guard lock(ledger.mu);
      round_start = ledger.charges.size();
    }
    std::vector<std::thread> clients;
    for (unsigned i = 0; i < 3; ++i) {
      clients.emplace_back(Stream, std::ref(server), admin, charged_key, std::ref(ledger),
                           std::ref(stop), rng());
    }
    // A random moment: picking it is the point of the test, not synchronisation.
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 1600));
    const auto killed_at = Clock::now();
    server.Kill();
    stop = true;
    for (auto& t : clients) t.join();

    ASSERT_EQ(IntegrityCheck(db), "ok") << "after crash " << round;
    {
      // This crash may lose this round's last second; charges of earlier rounds lost in their
      // own last second stay lost, so the bound is summed per round.
      std::lock_guard lock(ledger.mu);
      for (size_t i = round_start; i < ledger.charges.size(); ++i) {
        if (ledger.charges[i] < killed_at - std::chrono::seconds(1)) ++must_have_used;
      }
    }
    server.Start();
    HttpClient c = server.Client();

    std::lock_guard lock(ledger.mu);
    // Every create acknowledged since the last crash, and a sample of the older ones (which were
    // already checked once; re-checking all of them every round would make the test quadratic).
    std::vector<std::string> check(ledger.created.begin() + static_cast<ptrdiff_t>(checked),
                                   ledger.created.end());
    for (size_t i = 0; i < 50 && checked > 0; ++i) check.push_back(ledger.created[rng() % checked]);
    checked = ledger.created.size();
    for (const std::string& key : check) {
      if (ledger.revoke_sent.contains(key)) continue;  // revoked, or maybe revoked
      Response v = Verify(c, key, "GET", "/free");
      ASSERT_EQ(v.status, 200) << Describe(v);
      ASSERT_TRUE(v.object().at("valid").as_bool())
          << "an acknowledged create was lost in crash " << round << ": " << Describe(v);
    }
    std::vector<std::string> revoked(
        ledger.revoked.begin() + static_cast<ptrdiff_t>(checked_revoked), ledger.revoked.end());
    for (size_t i = 0; i < 50 && checked_revoked > 0; ++i) {
      revoked.push_back(ledger.revoked[rng() % checked_revoked]);
    }
    checked_revoked = ledger.revoked.size();
    for (const std::string& key : revoked) {
      Response v = Verify(c, key, "GET", "/free");
      ASSERT_EQ(v.status, 200) << Describe(v);
      ASSERT_FALSE(v.object().at("valid").as_bool())
          << "an acknowledged revoke came back in crash " << round;
    }
    Response credits = c.Get("/v1/credits", admin);
    ASSERT_EQ(credits.status, 200) << Describe(credits);
    const int64_t used = credits.object().at("used").as_int64();
    EXPECT_GE(used, must_have_used) << "usage older than 1 s was lost in crash " << round;
    EXPECT_LE(used, ledger.attempted_charges)
        << "something was charged twice (crash " << round << ")";
  }
  std::lock_guard lock(ledger.mu);
  EXPECT_GT(ledger.created.size(), 20u);  // the stream really ran
  EXPECT_GT(ledger.revoked.size(), 5u);
  EXPECT_GT(ledger.charges.size(), 100u);
}

}  // namespace
}  // namespace keyward_it
