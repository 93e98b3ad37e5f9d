// The operators' CLI commands (API.md 16): tokens list, tokens revoke, accounts list, backup.
// They open the store a running server uses; a revocation made here reaches running nodes through
// the change feed (Redis, PostgreSQL NOTIFY) or, on SQLite alone, the nodes' resync of the store
// (within a second).
#include <iostream>

#include "app/commands.h"
#include "app/environment.h"
#include "http/render.h"
#include "service/principal.h"
#include "store/backup.h"

namespace keyward {
namespace {

int Fail(const Error& e) {
  std::cerr << "keyward: " << e.message();
  if (!e.param().empty()) std::cerr << " (" << e.param() << ")";
  std::cerr << "\n";
  return 1;
}

// Every page of `list` (a function of ListOptions → Result<Page<T>>), rendered by `render`.
template <class List, class Render>
int PrintAll(List list, Render render) {
  boost::json::array data;
  ListOptions options;
  options.limit = 100;
  for (;;) {
    auto page = list(options);
    if (!page.ok()) return Fail(page.error());
    for (const auto& row : page->items) data.emplace_back(render(row));
    if (!page->has_more || page->items.empty()) break;
    options.starting_after = page->items.back().id;
  }
  std::cout << ListJson(std::move(data), false) << std::endl;
  return 0;
}

}  // namespace

int TokensListCommand(const CommonOptions& opts, const std::string& account,
                      const std::string& status, char** envp) {
  TokenFilter filter = TokenFilter::kAll;
  if (status == "active") {
    filter = TokenFilter::kActive;
  } else if (status == "revoked") {
    filter = TokenFilter::kRevoked;
  } else if (status == "expired") {
    filter = TokenFilter::kExpired;
  } else if (!status.empty()) {
    std::cerr << "keyward: --status must be active, revoked or expired\n";
    return 2;
  }
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  Services& sv = *env->services;
  if (auto row = sv.store().GetAccount(account); !row.ok() || !row->has_value()) {
    return Fail(row.ok() ? Error(ErrorCode::kNotFound, "No such account.", "account")
                         : row.error());
  }
  const int64_t now = sv.clock().NowUnix();
  return PrintAll(
      [&](const ListOptions& o) { return sv.tokens().List(Principal::Admin(account), filter, o); },
      [&](const TokenRow& row) { return TokenObject(row, now); });
}

int TokensRevokeCommand(const CommonOptions& opts, const std::string& token_id, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  Services& sv = *env->services;
  auto token = sv.store().FindTokenById(token_id);
  if (!token.ok()) return Fail(token.error());
  if (!token->has_value()) return Fail(Error(ErrorCode::kNotFound, "No such token.", "token"));
  auto revoked = sv.tokens().Revoke(Principal::Admin((*token)->account_id), token_id);
  if (!revoked.ok()) return Fail(revoked.error());
  std::cout << ToJson(TokenObject(*revoked, sv.clock().NowUnix())) << std::endl;
  return 0;
}

int AccountsListCommand(const CommonOptions& opts, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  Services& sv = *env->services;
  return PrintAll([&](const ListOptions& o) { return sv.accounts().List(o); },
                  [](const AccountRow& row) { return AccountObject(row); });
}

int BackupCommand(const CommonOptions& opts, const std::string& to, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  if (Status st = BackupStore(env->config.store_url, to); !st.ok()) return Fail(st.error());
  std::cerr << "keyward: backup written to " << to << "\n";
  std::cout << to << std::endl;
  return 0;
}

}  // namespace keyward
