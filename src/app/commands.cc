// The CLI's store-side commands. They open the same store a running server uses (SQLite in WAL
// mode allows it) and print JSON or a single key on stdout.
#include "app/commands.h"

#include <iostream>

#include "app/environment.h"
#include "core/cidr.h"
#include "core/ids.h"
#include "core/sha256.h"
#include "http/render.h"
#include "service/event_builder.h"
#include "service/principal.h"

namespace keyward {
namespace {

// What the CLI's changes record as their actor (API.md 13).
Principal CliPrincipal() {
  Principal cli = Principal::Admin({});
  cli.actor = CliActor();
  return cli;
}

}  // namespace

int AdminKeyCreateCommand(const CommonOptions& opts, const std::string& name, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  auto key = env->services->admin_keys().Create(name, CliActor());
  if (!key.ok()) {
    std::cerr << "keyward: " << key.error().message() << "\n";
    return 1;
  }
  std::cout << *key << std::endl;
  return 0;
}

int AccountsCreateCommand(const CommonOptions& opts, const std::string& email,
                          const std::string& name, std::optional<long long> credits,
                          const std::string& plan, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  CreateAccountParams params;
  params.email = email;
  params.name = name;
  if (credits) params.credits = *credits;
  params.plan = plan;
  auto account = env->services->accounts().Create(CliPrincipal(), params);
  if (!account.ok()) {
    std::cerr << "keyward: " << account.error().message() << "\n";
    return 1;
  }
  std::cout << ToJson(AccountObject(*account)) << std::endl;
  return 0;
}

int TokensCreateCommand(const CommonOptions& opts, const std::string& account,
                        const std::string& type, const std::string& name,
                        const std::vector<std::string>& permissions, bool test,
                        std::optional<long long> expires_at, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  Services& sv = *env->services;
  CreateTokenParams params;
  params.name = name;
  params.type = type;
  if (!permissions.empty()) params.permissions = permissions;
  params.livemode = !test;
  if (expires_at) params.expires_at = *expires_at;
  Principal cli = Principal::Admin(account);
  cli.actor = CliActor();
  auto issued = sv.tokens().Create(cli, params);
  if (!issued.ok()) {
    std::cerr << "keyward: " << issued.error().message();
    if (!issued.error().param().empty()) std::cerr << " (" << issued.error().param() << ")";
    std::cerr << "\n";
    return 1;
  }
  boost::json::object o = TokenObject(issued->row, sv.clock().NowUnix());
  o["key"] = issued->key;
  std::cout << ToJson(o) << std::endl;
  return 0;
}

int VerifyCommand(const CommonOptions& opts, const std::string& key, const std::string& method,
                  const std::string& path, const std::string& client_ip, char** envp) {
  if (!client_ip.empty() && !ParseIp(client_ip)) {
    std::cerr << "keyward: --client-ip must be an IPv4 or IPv6 address\n";
    return 2;
  }
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  // A one-shot dry run has no flood to shield the store from, and loads no index that would tell
  // whether a key was ever imported: a credential not in keyward's format is simply looked up.
  env->services->index().AcceptForeign();
  // Without --client-ip there is no client address: a key with an IP allowlist is refused (fail
  // closed, as /v1/keys/verify without client_ip).
  Verdict v = env->services->verifier().Verify(key, method, path, std::string_view(client_ip),
                                               Consume::kNo);
  std::cout << ToJson(VerdictObject(v)) << std::endl;
  return v.valid() ? 0 : 1;
}

int OperatorsCreateCommand(const CommonOptions& opts, const std::string& email, char** envp) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  auto invite = env->services->operators().Invite(email);
  if (!invite.ok()) {
    std::cerr << "keyward: " << invite.error().message() << "\n";
    return 1;
  }
  const std::string& base = env->config.public_url;
  const std::string url = base.empty() ? "http://" + env->config.server.listen : base;
  std::cerr << "Set-up link for operator " << invite->op.email << " (" << invite->op.id
            << "), valid for 24 hours and usable once:\n";
  std::cout << OperatorService::SetupLink(url, invite->token) << std::endl;
  return 0;
}

int BenchSeedCommand(const CommonOptions& opts, long long count, char** envp, bool control) {
  auto env = OpenEnvironment(opts, envp);
  if (!env) return 1;
  Services& sv = *env->services;
  CreateAccountParams params;
  params.email = "bench-" + NewId("b") + "@example.com";
  params.name = "bench";
  auto account = sv.accounts().Create(CliPrincipal(), params);
  if (!account.ok()) {
    std::cerr << "keyward: " << account.error().message() << "\n";
    return 1;
  }
  Metadata metadata;
  std::vector<std::string> allowlist;
  if (control) {
    UpdateAccountParams limit;
    limit.set_account_rate_limit = true;
    limit.account_rate_limit = "1000000000/s";
    if (auto updated = sv.accounts().Update(CliPrincipal(), account->id, limit); !updated.ok()) {
      std::cerr << "keyward: " << updated.error().message() << "\n";
      return 1;
    }
    for (int i = 0; i < 10; ++i) {
      metadata.emplace_back("key_" + std::to_string(i),
                            "value of metadata entry " + std::to_string(i));  // sorted
    }
    for (int i = 0; i < 19; ++i) allowlist.push_back("10." + std::to_string(i) + ".0.0/16");
    allowlist.push_back("127.0.0.0/8");
  }
  const KeyFormat& format = sv.format();
  const int64_t now = sv.clock().NowUnix();
  std::vector<TokenRow> batch;
  std::string last_key;
  constexpr size_t kBatch = 50'000;
  for (long long i = 0; i < count; ++i) {
    TokenRow row;
    last_key = format.GenerateApiKey(KeyType::kSecret, true);
    row.id = NewId(kTokenIdPrefix);
    row.account_id = account->id;
    row.name = "bench";
    row.type = KeyType::kSecret;
    row.key_hash = Sha256(last_key);
    row.key_prefix = DisplayPrefix(last_key, sv.settings().display_prefix_length);
    row.last4 = Last4(last_key);
    row.created = now;
    row.metadata = metadata;
    row.ip_allowlist = allowlist;
    batch.push_back(std::move(row));
    if (batch.size() == kBatch || i + 1 == count) {
      if (Status st = sv.store().InsertTokens(batch); !st.ok()) {
        std::cerr << "keyward: " << st.error().message() << "\n";
        return 1;
      }
      batch.clear();
    }
  }
  std::cerr << "seeded " << count << " keys on " << account->id << "\n";
  std::cout << last_key << std::endl;
  return 0;
}

}  // namespace keyward
