// Helpers shared by the store and service tests and the fuzzers: a scratch directory removed at the
// end of a test, a SQLite store in it, a bounded poll, and row builders with every field filled.
// Test-only.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "store/records.h"
#include "store/sqlite/sqlite_store.h"

namespace keyward::testing_util {

inline constexpr int64_t kNow = 1'800'000'000;  // the tests' "now", Unix seconds

// A fresh, empty directory under the system temp dir; removed (with its contents) on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("keyward-store-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter.fetch_add(1)) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A SQLite store on a new file in `dir`, with synchronous=OFF: fast, and durable enough for tests
// (a process crash loses nothing; a power cut may). What service tests and fuzzers run on. `dir`
// must outlive the store. Aborts when the store cannot be opened.
inline std::unique_ptr<Store> OpenScratchStore(const ScratchDir& dir) {
  SqliteOptions options;
  options.synchronous = sqlite::Synchronous::kOff;
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir.File("keyward.db"), options);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open a scratch store: %s\n", store.error().message().c_str());
    std::abort();
  }
  return std::move(store).value();
}

// Polls `probe` (every 5 ms) until it holds (true) or `limit` passes (false). Not a sleep used as
// synchronisation: the deadline is a generous bound.
inline bool Eventually(const std::function<bool()>& probe,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!probe()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling
  }
  return true;
}

// A digest unique to `n` (not a real SHA-256; the store only compares bytes).
inline Digest HashOf(uint64_t n) {
  Digest d{};
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>((n >> (8 * (i % 8))) + i);
  return d;
}

inline AccountRow MakeAccount(std::string id, std::string email = {}) {
  AccountRow a;
  a.id = std::move(id);
  a.email = std::move(email);
  a.name = "Name of " + a.id;
  a.credits = 100;
  a.credits_used = 7;
  a.plan = "pro";
  a.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
  a.created = 1'700'000'000;
  return a;
}

inline TokenRow MakeToken(std::string id, std::string account_id, uint64_t n) {
  TokenRow t;
  t.id = std::move(id);
  t.account_id = std::move(account_id);
  t.name = "Key " + t.id;
  t.type = KeyType::kSecret;
  t.key_hash = HashOf(n);
  t.key_prefix = "sk_live_AbCd";
  t.last4 = "x9Q2";
  t.livemode = true;
  t.created = 1'700'000'000 + static_cast<int64_t>(n);
  return t;
}

inline AdminKeyRow MakeAdminKey(std::string id, uint64_t n) {
  AdminKeyRow k;
  k.id = std::move(id);
  k.name = "ops";
  k.key_hash = HashOf(n);
  k.key_prefix = "ak_AbCdEfGh";
  k.last4 = "zz99";
  k.created = 1'700'000'000;
  return k;
}

}  // namespace keyward::testing_util
