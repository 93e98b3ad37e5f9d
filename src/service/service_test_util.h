// A Services instance on the in-memory store with a manual clock, for the service unit tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "core/clock.h"
#include "service/services.h"
#include "store/memory_store.h"

namespace keyward::testing {

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

// Parameters of a restricted key with `perms`.
inline CreateTokenParams Restricted(std::vector<std::string> perms) {
  CreateTokenParams p;
  p.name = "restricted";
  p.type = "restricted";
  p.permissions = std::move(perms);
  return p;
}

struct TestServices {
  explicit TestServices(ServiceSettings settings = {}) {
    auto store = std::make_unique<MemoryStore>();
    store_ptr = store.get();
    services = std::make_unique<Services>(std::move(store), std::move(settings), clock);
    EXPECT_TRUE(services->LoadIndex().ok());
  }
  Services& operator*() { return *services; }
  Services* operator->() { return services.get(); }

  std::string NewAccount(std::optional<int64_t> credits = std::nullopt) {
    static int n = 0;
    CreateAccountParams p;
    p.email = "user" + std::to_string(++n) + "@example.com";
    p.credits = credits;
    auto row = services->accounts().Create(p);
    EXPECT_TRUE(row.ok());
    return row->id;
  }
  IssuedToken NewKey(const std::string& account, CreateTokenParams p = {}) {
    if (p.name.empty()) p.name = "test key";
    auto issued = services->tokens().Create(Principal::Admin(account), p);
    EXPECT_TRUE(issued.ok()) << (issued.ok() ? "" : issued.error().message());
    return issued.ok() ? *issued : IssuedToken{};
  }
  Principal KeyPrincipal(const std::string& key) {
    auto rec = services->verifier().Identify(key);
    EXPECT_TRUE(rec.ok());
    return Principal::OfKey(*rec);
  }

  ManualClock clock{1'800'000'000};
  MemoryStore* store_ptr = nullptr;
  std::unique_ptr<Services> services;
};

}  // namespace keyward::testing
