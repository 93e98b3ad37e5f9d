// A Services instance on a SQLite store in a scratch directory (synchronous=OFF) with a manual
// clock, for the service unit tests.
#pragma once

#include <memory>

#include "core/clock.h"
#include "service/services.h"
#include "store/store_test_util.h"

namespace keyward::testing {

using testing_util::Eventually;

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
    std::unique_ptr<Store> store = testing_util::OpenScratchStore(dir);
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
    auto row = services->accounts().Create(Principal::Admin({}), p);
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

  testing_util::ScratchDir dir;  // outlives the store
  ManualClock clock{1'800'000'000};
  Store* store_ptr = nullptr;
  std::unique_ptr<Services> services;
};

}  // namespace keyward::testing
