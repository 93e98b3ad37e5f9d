// The CLI's commands, each a function from parsed options to an exit code. Start-up code: errors
// are printed to stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "grpc/grpc_edge.h"

namespace keyward {

struct CommonOptions {
  std::string config;    // --config FILE
  std::string data_dir;  // --data-dir DIR (SQLite in DIR/keyward.db)
};

struct ServeOptions {
  CommonOptions common;
  std::string listen;  // --listen ADDR:PORT
};

int ServeCommand(const ServeOptions& opts, char** envp, GrpcEdgeStarter start_grpc);
int AdminKeyCreateCommand(const CommonOptions& opts, const std::string& name, char** envp);
int AccountsCreateCommand(const CommonOptions& opts, const std::string& email,
                          const std::string& name, std::optional<long long> credits,
                          const std::string& plan, char** envp);
int TokensCreateCommand(const CommonOptions& opts, const std::string& account,
                        const std::string& type, const std::string& name,
                        const std::vector<std::string>& permissions, bool test,
                        std::optional<long long> expires_at, char** envp);
// A dry run of the verification (no limits, no usage); `client_ip` (empty: none) is the client
// address an IP allowlist is checked against. Prints the verdict; exit 0 when valid, 1 when not,
// 2 for a malformed --client-ip.
int VerifyCommand(const CommonOptions& opts, const std::string& key, const std::string& method,
                  const std::string& path, const std::string& client_ip, char** envp);
// Invites an operator (API.md 16): prints the one-time set-up link (valid 24 h) on stdout.
int OperatorsCreateCommand(const CommonOptions& opts, const std::string& email, char** envp);
// With `control`: every key carries 10 metadata entries and a 20-CIDR allowlist (the last one
// loopback), and the account has an account_rate_limit (bench/run's keyward-control target).
int BenchSeedCommand(const CommonOptions& opts, long long count, char** envp, bool control = false);

// Operators' commands (API.md 16), in operator_commands.cc. Lists print one JSON list object of
// every match (newest first); revoke prints the token; backup writes FILE and prints its path.
int TokensListCommand(const CommonOptions& opts, const std::string& account,
                      const std::string& status, char** envp);
int TokensRevokeCommand(const CommonOptions& opts, const std::string& token_id, char** envp);
int AccountsListCommand(const CommonOptions& opts, char** envp);
int BackupCommand(const CommonOptions& opts, const std::string& to, char** envp);

}  // namespace keyward
