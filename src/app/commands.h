// The CLI's commands, each a function from parsed options to an exit code. Start-up code: errors
// are printed to stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace keyward {

struct CommonOptions {
  std::string config;    // --config FILE
  std::string data_dir;  // --data-dir DIR (SQLite in DIR/keyward.db)
};

struct ServeOptions {
  CommonOptions common;
  std::string listen;  // --listen ADDR:PORT
};

int ServeCommand(const ServeOptions& opts, char** envp);
int AdminKeyCreateCommand(const CommonOptions& opts, const std::string& name, char** envp);
int AccountsCreateCommand(const CommonOptions& opts, const std::string& email,
                          const std::string& name, std::optional<long long> credits,
                          const std::string& plan, char** envp);
int TokensCreateCommand(const CommonOptions& opts, const std::string& account,
                        const std::string& type, const std::string& name,
                        const std::vector<std::string>& permissions, bool test,
                        std::optional<long long> expires_at, char** envp);
int VerifyCommand(const CommonOptions& opts, const std::string& key, const std::string& method,
                  const std::string& path, char** envp);
// Invites an operator (API.md 16): prints the one-time set-up link (valid 24 h) on stdout.
int OperatorsCreateCommand(const CommonOptions& opts, const std::string& email, char** envp);
int BenchSeedCommand(const CommonOptions& opts, long long count, char** envp);

}  // namespace keyward
