#include "app/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"

extern char** environ;

namespace keyward {

int RunCli(int argc, char** argv, GrpcEdgeStarter start_grpc) {
  CLI::App app{"keyward — a self-hosted API-key service"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(KEYWARD_VERSION));

  auto add_common = [](CLI::App* cmd, CommonOptions& o) {
    cmd->add_option("--config", o.config, "TOML configuration file")->check(CLI::ExistingFile);
    cmd->add_option("--data-dir", o.data_dir, "directory for the SQLite store (default ./data)");
  };

  ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "run the server");
  add_common(serve_cmd, serve.common);
  serve_cmd->add_option("--listen", serve.listen, "address to listen on, e.g. 127.0.0.1:8080");

  CommonOptions admin_opts;
  std::string admin_name = "admin";
  CLI::App* admin_cmd = app.add_subcommand("admin-key", "manage admin keys");
  admin_cmd->require_subcommand(1);
  CLI::App* admin_create = admin_cmd->add_subcommand("create", "print one new admin key");
  add_common(admin_create, admin_opts);
  admin_create->add_option("--name", admin_name, "a name to remember it by");

  CommonOptions acct_opts;
  std::string email, acct_name, plan = "default";
  std::optional<long long> credits;
  CLI::App* acct_cmd = app.add_subcommand("accounts", "manage accounts");
  acct_cmd->require_subcommand(1);
  CLI::App* acct_create = acct_cmd->add_subcommand("create", "create an account; prints JSON");
  add_common(acct_create, acct_opts);
  acct_create->add_option("--email", email, "the account's email")->required();
  acct_create->add_option("--name", acct_name, "display name");
  acct_create->add_option("--credits", credits, "credit balance (omit for unlimited)");
  acct_create->add_option("--plan", plan, "plan name from the configuration");
  CommonOptions acct_list_opts;
  CLI::App* acct_list = acct_cmd->add_subcommand("list", "list every account; prints JSON");
  add_common(acct_list, acct_list_opts);

  CommonOptions tok_opts;
  std::string account, type = "secret", tok_name = "CLI key";
  std::vector<std::string> permissions;
  bool test = false;
  std::optional<long long> expires_at;
  CLI::App* tok_cmd = app.add_subcommand("tokens", "manage API keys");
  tok_cmd->require_subcommand(1);
  CLI::App* tok_create = tok_cmd->add_subcommand("create", "create an API key; prints JSON");
  add_common(tok_create, tok_opts);
  tok_create->add_option("--account", account, "acct_... the key belongs to")->required();
  tok_create->add_option("--type", type, "secret, publishable or restricted");
  tok_create->add_option("--name", tok_name, "display name");
  tok_create->add_option("--permission", permissions, "resource:action (repeatable)");
  tok_create->add_flag("--test", test, "a test-mode key (livemode false)");
  tok_create->add_option("--expires-at", expires_at, "Unix seconds");
  CommonOptions tok_list_opts;
  std::string list_account, list_status;
  CLI::App* tok_list = tok_cmd->add_subcommand("list", "list an account's API keys; prints JSON");
  add_common(tok_list, tok_list_opts);
  tok_list->add_option("--account", list_account, "acct_... whose keys")->required();
  tok_list->add_option("--status", list_status, "active, revoked or expired");
  CommonOptions tok_revoke_opts;
  std::string revoke_id;
  CLI::App* tok_revoke = tok_cmd->add_subcommand("revoke", "revoke an API key now; prints JSON");
  add_common(tok_revoke, tok_revoke_opts);
  tok_revoke->add_option("TOKEN", revoke_id, "tok_... to revoke")->required();

  CommonOptions backup_opts;
  std::string backup_to;
  CLI::App* backup_cmd = app.add_subcommand(
      "backup", "write a consistent copy of a SQLite store (also while servers run)");
  add_common(backup_cmd, backup_opts);
  backup_cmd->add_option("--to", backup_to, "the new file (never overwritten)")->required();

  CommonOptions ver_opts;
  std::string key, method = "GET", path = "/", client_ip;
  CLI::App* ver_cmd =
      app.add_subcommand("verify", "verify a key against the store; exit 0 if valid");
  add_common(ver_cmd, ver_opts);
  ver_cmd->add_option("KEY", key, "the key to verify")->required();
  ver_cmd->add_option("--method", method, "the request's method");
  ver_cmd->add_option("--path", path, "the request's path");
  ver_cmd->add_option("--client-ip", client_ip,
                      "the client's address, checked against the key's IP allowlist");

  CommonOptions op_opts;
  std::string op_email;
  CLI::App* op_cmd = app.add_subcommand("operators", "manage the people who run keyward");
  op_cmd->require_subcommand(1);
  CLI::App* op_create = op_cmd->add_subcommand(
      "create", "invite an operator; prints a one-time set-up link (valid 24 h)");
  add_common(op_create, op_opts);
  op_create->add_option("--email", op_email, "the operator's email")->required();

  CLI::App* version_cmd = app.add_subcommand("version", "print the version");

  CommonOptions seed_opts;
  long long count = 1000;
  CLI::App* seed_cmd =
      app.add_subcommand("bench-seed", "developer: bulk-create keys for benchmarks");
  seed_cmd->group("");  // hidden
  add_common(seed_cmd, seed_opts);
  seed_cmd->add_option("--count", count, "number of keys")->check(CLI::Range(1LL, 10'000'000LL));
  bool seed_control = false;
  seed_cmd->add_flag("--control", seed_control,
                     "keys with metadata and an allowlist, an account limit (issue 14's bench)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (*serve_cmd) return ServeCommand(serve, environ, start_grpc);
  if (*admin_create) return AdminKeyCreateCommand(admin_opts, admin_name, environ);
  if (*acct_create) {
    return AccountsCreateCommand(acct_opts, email, acct_name, credits, plan, environ);
  }
  if (*tok_create) {
    return TokensCreateCommand(tok_opts, account, type, tok_name, permissions, test, expires_at,
                               environ);
  }
  if (*acct_list) return AccountsListCommand(acct_list_opts, environ);
  if (*tok_list) return TokensListCommand(tok_list_opts, list_account, list_status, environ);
  if (*tok_revoke) return TokensRevokeCommand(tok_revoke_opts, revoke_id, environ);
  if (*backup_cmd) return BackupCommand(backup_opts, backup_to, environ);
  if (*op_create) return OperatorsCreateCommand(op_opts, op_email, environ);
  if (*ver_cmd) return VerifyCommand(ver_opts, key, method, path, client_ip, environ);
  if (*version_cmd) {
    std::cout << "keyward " << KEYWARD_VERSION << "\n";
    return 0;
  }
  if (*seed_cmd) return BenchSeedCommand(seed_opts, count, environ, seed_control);
  return 2;
}

}  // namespace keyward
