// Shared by the fuzz targets that go through the API: one Services on a SQLite store in a scratch
// directory (synchronous=OFF; removed at exit) with an admin key, an account and a secret key, and
// the Api over it. Inputs may name them with the placeholders @ADMIN@, @KEY@, @ACCT@ and @TOK@,
// replaced before use, so that the fuzzer reaches the authenticated handlers. Fuzz builds only; one
// per process.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "http/api.h"
#include "service/event_builder.h"
#include "service/services.h"
#include "store/store_test_util.h"

namespace keyward::fuzz {

struct FuzzApi {
  FuzzApi() {
    ServiceSettings settings;
    settings.default_cost = 1;
    settings.usage_flush_interval_ms = 3'600'000;  // no background flushes while fuzzing
    static testing_util::ScratchDir* dir = new testing_util::ScratchDir();  // outlives the store
    static const std::string dir_path = dir->path().string();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir_path, ec);
    });
    services = std::make_unique<Services>(testing_util::OpenScratchStore(*dir), settings, clock);
    if (!services->LoadIndex().ok()) std::abort();
    auto admin_key = services->admin_keys().Create("fuzz admin", CliActor());
    CreateAccountParams p;
    p.email = "fuzz@example.com";
    p.credits = 1'000'000'000;
    auto account = services->accounts().Create(Principal::Admin({}), p);
    if (!admin_key.ok() || !account.ok()) std::abort();
    CreateTokenParams t;
    t.name = "fuzz key";
    auto key = services->tokens().Create(Principal::Admin(account->id), t);
    if (!key.ok()) std::abort();
    admin = *admin_key;
    account_id = account->id;
    secret = key->key;
    token_id = key->row.id;
    api = std::make_unique<Api>(
        *services,
        ApiSettings{{*Cidr::Parse("127.0.0.1/32")}, {*Cidr::Parse("127.0.0.1/32")}, 600});
  }

  std::string Substitute(std::string_view in) const {
    std::string out(in);
    for (auto [from, to] : {std::pair<std::string_view, const std::string*>{"@ADMIN@", &admin},
                            {"@KEY@", &secret},
                            {"@ACCT@", &account_id},
                            {"@TOK@", &token_id}}) {
      for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos)) {
        out.replace(pos, from.size(), *to);
        pos += to->size();
      }
    }
    return out;
  }

  SystemClock clock;
  std::unique_ptr<Services> services;
  std::unique_ptr<Api> api;
  std::string admin, account_id, secret, token_id;
};

inline FuzzApi& Instance() {
  static FuzzApi* api = new FuzzApi();  // never destroyed: fuzzers exit without tearing down
  return *api;
}

}  // namespace keyward::fuzz
