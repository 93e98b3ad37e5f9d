// API.md 2.4: "revoke now; from the response on, the key gets 401 everywhere" — checked under load
// from several connections; and concurrent creates.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "harness.h"

namespace keyward_it {
namespace {

// The per-key limit must not get in the way of hammering one key.
const char* kUnlimitedConfig = "[plans.default]\nrate_limit = \"1000000/min\"\n";

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Sample {
  int64_t started_ns;  // steady clock, taken before the request was written
  int status;
};

struct HammerResult {
  std::vector<Sample> samples;
  int64_t mutation_done_ns = 0;  // steady clock, taken after the mutation's response was read
  std::vector<std::string> errors;
};

// `threads` workers send GET /v1/auth with `key` on their own keep-alive connections. Once every
// worker has had `warmup` answers, `mutate` runs on this thread; the workers go on until each has
// sent `after` requests that started after mutate() returned.
HammerResult Hammer(uint16_t port, const std::string& key, int threads, const std::function<void()>& mutate,
                    int warmup = 50, int after = 100) {
  HammerResult result;
  std::mutex mu;
  std::atomic<int> warmed{0};
  std::atomic<int64_t> done_ns{0};
  std::atomic<bool> abort{false};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::vector<Sample> mine;
      int answered = 0, after_count = 0;
      bool counted_warm = false;
      try {
        HttpClient c(port);
        while (!abort.load() && std::chrono::steady_clock::now() < deadline) {
          int64_t done = done_ns.load();
          int64_t start = SteadyNanos();
          Response r = Auth(c, key);
          mine.push_back({start, r.status});
          ++answered;
          if (!counted_warm && answered >= warmup) {
            counted_warm = true;
            warmed.fetch_add(1);
          }
          if (done != 0 && start > done && ++after_count >= after) break;
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        result.errors.push_back(e.what());
        if (!counted_warm) warmed.fetch_add(1);
      }
      std::lock_guard<std::mutex> lock(mu);
      result.samples.insert(result.samples.end(), mine.begin(), mine.end());
    });
  }
  // Wait (polling) until every worker is warmed up.
  while (warmed.load() < threads && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  try {
    mutate();
  } catch (const std::exception& e) {
    std::lock_guard<std::mutex> lock(mu);
    result.errors.push_back(std::string("mutation: ") + e.what());
    abort = true;
  }
  result.mutation_done_ns = SteadyNanos();
  done_ns.store(result.mutation_done_ns);
  for (auto& w : workers) w.join();
  return result;
}

void ExpectRefusedAfterMutation(const HammerResult& r) {
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  int before_ok = 0, after_total = 0, after_ok = 0, other = 0;
  for (const auto& s : r.samples) {
    if (s.status != 200 && s.status != 401) ++other;
    if (s.started_ns > r.mutation_done_ns) {
      ++after_total;
      if (s.status != 401) ++after_ok;
    } else if (s.status == 200) {
      ++before_ok;
    }
  }
  ::testing::Test::RecordProperty("requests", static_cast<int>(r.samples.size()));
  ::testing::Test::RecordProperty("accepted_before", before_ok);
  ::testing::Test::RecordProperty("started_after", after_total);
  EXPECT_EQ(other, 0) << "every answer must be 200 or 401";
  EXPECT_GT(before_ok, 0) << "the key was accepted before the change";
  EXPECT_GT(after_total, 0);
  EXPECT_EQ(after_ok, 0) << after_ok << " of " << after_total
                         << " requests started after the revoke response still got through";
}

class ConcurrencyTest : public SharedServerTest {
 protected:
  static void SetUpTestSuite() { StartShared({.config_toml = kUnlimitedConfig}); }
  static void TearDownTestSuite() { StopShared(); }
};

TEST_F(ConcurrencyTest, RevokeIsEffectiveForEveryRequestStartedAfterItsResponse) {
  std::string account = CreateAccount(client(), admin());
  Headers h = AdminFor(admin(), account);
  CreatedKey k = CreateKey(client(), h);
  ASSERT_EQ(Auth(client(), k.key).status, 200);
  HammerResult r = Hammer(server().port(), k.key, 8, [&] { RevokeKey(client(), h, k.id); });
  ExpectRefusedAfterMutation(r);
}

TEST_F(ConcurrencyTest, RollWithZeroIsEffectiveForEveryRequestStartedAfterItsResponse) {
  std::string account = CreateAccount(client(), admin());
  Headers h = AdminFor(admin(), account);
  CreatedKey k = CreateKey(client(), h);
  CreatedKey rolled;
  HammerResult r = Hammer(server().port(), k.key, 8, [&] { rolled = RollKey(client(), h, k.id, 0); });
  ExpectRefusedAfterMutation(r);
  EXPECT_EQ(Auth(client(), rolled.key).status, 200);
}

TEST_F(ConcurrencyTest, RevokeThroughTheKeysOwnAccountUnderLoad) {
  // The revoking credential is another secret key of the same account.
  std::string account = CreateAccount(client(), admin());
  CreatedKey manager = CreateKey(client(), AdminFor(admin(), account));
  CreatedKey k = CreateKey(client(), AdminFor(admin(), account));
  HammerResult r = Hammer(server().port(), k.key, 4, [&] { RevokeKey(client(), ApiKey(manager.key), k.id); });
  ExpectRefusedAfterMutation(r);
  EXPECT_EQ(Auth(client(), manager.key).status, 200);
}

TEST_F(ConcurrencyTest, ConcurrentCreatesAreAllDistinctAndPersisted) {
  std::string account = CreateAccount(client(), admin());
  Headers h = AdminFor(admin(), account);
  std::mutex mu;
  std::vector<CreatedKey> created;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      try {
        HttpClient c(server().port());
        for (int i = 0; i < 25; ++i) {
          CreatedKey k = CreateKey(c, h, {{"name", "t" + std::to_string(t) + "-" + std::to_string(i)}});
          std::lock_guard<std::mutex> lock(mu);
          created.push_back(std::move(k));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back(e.what());
      }
    });
  }
  for (auto& w : workers) w.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  ASSERT_EQ(created.size(), 100u);
  std::set<std::string> ids, keys;
  for (const auto& k : created) {
    ids.insert(k.id);
    keys.insert(k.key);
  }
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(keys.size(), 100u);

  std::set<std::string> listed;
  Response r = client().Get("/v1/tokens?limit=100", h);
  ASSERT_TRUE(IsOk(r));
  auto page = r.object();
  for (const auto& t : page.at("data").as_array()) listed.insert(AsString(t.at("id")));
  EXPECT_EQ(listed, ids);
  EXPECT_EQ(r.object().at("has_more"), false);
  for (const auto& k : created) ASSERT_EQ(Auth(client(), k.key).status, 200) << k.id;
}

}  // namespace
}  // namespace keyward_it
