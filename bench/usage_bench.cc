// GET /v1/usage's work, measured from inside (Google Benchmark): UsageService::Read of 30 days of
// hourly buckets (720) over a SQLite store seeded with 30 days of hourly rows for 10 000 keys in
// 100 accounts (the rows a flush writes: each token's, its account's and the service's), for one
// token, one account and the whole service. The target (issue 16) is 50 ms per request; the HTTP
// layer adds rendering 720 small JSON objects on top.
// Seeding (~7.3 M rows) runs once, on the first use of these benchmarks, into a scratch file:
// build/release/keyward_micro_bench --benchmark_filter=Usage
// KEYWARD_USAGE_BENCH_KEYS overrides the number of keys (default 10000).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/sha256.h"
#include "service/usage_counter.h"
#include "service/usage_service.h"
#include "store/store.h"

namespace keyward {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDays = 30;
constexpr int kAccounts = 100;

std::string Id(const char* prefix, int n) {
  std::string digits = std::to_string(n);
  return std::string(prefix) + std::string(24 - digits.size(), '0') + digits;
}

class UsageFixture {
 public:
  UsageFixture()
      : dir_(std::filesystem::temp_directory_path() /
             ("keyward_usage_bench_" + std::to_string(getpid()))),
        clock_(1'800'000'000 - 1'800'000'000 % kHour) {
    const char* env = std::getenv("KEYWARD_USAGE_BENCH_KEYS");
    keys_ = env ? std::atoi(env) : 10'000;
    std::filesystem::create_directories(dir_);
    auto store = OpenStore("sqlite://" + (dir_ / "usage.db").string());
    if (!store.ok()) throw std::runtime_error(store.error().ForLog());
    store_ = std::move(*store);
    Seed();
    service_ = std::make_unique<UsageService>(*store_, settings_, clock_);
  }
  ~UsageFixture() {
    service_.reset();
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  UsageService& service() { return *service_; }
  int64_t now() const { return clock_.NowUnix(); }
  int keys() const { return keys_; }

 private:
  void Seed() {
    const auto started = std::chrono::steady_clock::now();
    // The accounts and keys the rows belong to (a token filter is checked against them).
    std::vector<TokenRow> tokens;
    for (int a = 0; a < kAccounts; ++a) {
      AccountRow account;
      account.id = Id("acct_", a);
      account.created = clock_.NowUnix();
      if (Status st = store_->CreateAccount(account); !st.ok()) {
        throw std::runtime_error(st.error().ForLog());
      }
    }
    for (int k = 0; k < keys_; ++k) {
      TokenRow t;
      t.id = Id("tok_", k);
      t.account_id = Id("acct_", k % kAccounts);
      t.key_hash = Sha256(t.id);
      t.key_prefix = "sk_live_bench";
      t.last4 = "0000";
      t.created = clock_.NowUnix();
      tokens.push_back(std::move(t));
    }
    if (Status st = store_->InsertTokens(tokens); !st.ok()) {
      throw std::runtime_error(st.error().ForLog());
    }
    const int64_t first = clock_.NowUnix() - kDays * 24 * kHour;
    std::vector<UsageRow> batch;
    batch.reserve(100'000);
    auto flush = [&] {
      if (Status st = store_->AddUsage(batch); !st.ok()) {
        throw std::runtime_error(st.error().ForLog());
      }
      batch.clear();
    };
    for (int64_t h = 0; h < kDays * 24; ++h) {
      const int64_t start = first + h * kHour;
      for (int k = 0; k < keys_; ++k) {
        batch.push_back(
            UsageRow{Id("tok_", k), kHour, start, UsageCounts{.valid = 10, .credits = 10}});
        if (batch.size() == batch.capacity()) flush();
      }
      for (int a = 0; a < kAccounts; ++a) {
        batch.push_back(
            UsageRow{Id("acct_", a), kHour, start, UsageCounts{.valid = 10 * keys_ / kAccounts}});
      }
      batch.push_back(UsageRow{"*", kHour, start, UsageCounts{.valid = 10 * keys_}});
    }
    flush();
    std::fprintf(stderr, "usage bench: seeded %lld hourly rows for %d keys in %.1f s\n",
                 static_cast<long long>(kDays * 24 * (keys_ + kAccounts + 1)), keys_,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }

  std::filesystem::path dir_;
  ManualClock clock_;
  UsageSettings settings_;
  int keys_ = 0;
  std::unique_ptr<Store> store_;
  std::unique_ptr<UsageService> service_;
};

UsageFixture& Fixture() {
  static UsageFixture f;
  return f;
}

// Reads 30 days of hourly buckets of `query`'s owner as `who`.
void Read(benchmark::State& state, const Principal& who, UsageQuery query) {
  UsageFixture& f = Fixture();
  query.granularity = kHour;
  query.to = f.now();
  query.from = f.now() - kDays * 24 * kHour;
  int64_t valid = 0;
  for (auto _ : state) {
    auto series = f.service().Read(who, query);
    if (!series.ok()) {
      state.SkipWithError(series.error().ForLog().c_str());
      return;
    }
    valid = 0;
    for (const UsageRow& r : series->data) valid += r.counts.valid;
    benchmark::DoNotOptimize(valid);
  }
  state.counters["buckets"] = static_cast<double>(kDays * 24);
  state.counters["valid"] = static_cast<double>(valid);
}

void BM_UsageHourly30DaysOneToken(benchmark::State& state) {
  UsageQuery q;
  q.token = Id("tok_", 4242 % Fixture().keys());
  Read(state, Principal::Admin(""), q);
}

void BM_UsageHourly30DaysOneAccount(benchmark::State& state) {
  Read(state, Principal::Session(Id("acct_", 42)), UsageQuery{});
}

void BM_UsageHourly30DaysWholeService(benchmark::State& state) {
  Read(state, Principal::Admin(""), UsageQuery{});
}

// The request path's share: one UsageCounter::Add for a warm (record, minute), as Verify makes it.
void BM_UsageCounterAdd(benchmark::State& state) {
  UsageCounter counter;
  auto account = std::make_shared<AccountInfo>();
  account->id = Id("acct_", 1);
  auto record = std::make_shared<KeyRecord>();
  record->set_token_id(Id("tok_", 1));
  record->account = account;
  const KeyRecordPtr ptr = record;
  for (auto _ : state) counter.Add(ptr, 1'800'000'000, UsageOutcome::kValid, 1);
  benchmark::DoNotOptimize(counter.Drain());
}
BENCHMARK(BM_UsageCounterAdd);

BENCHMARK(BM_UsageHourly30DaysOneAccount)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UsageHourly30DaysWholeService)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UsageHourly30DaysOneToken)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace keyward
