// The `keyward` command line (API.md 9, 16): serve, admin-key create, accounts create|list,
// tokens create|list|revoke, backup, verify, version. Returns the process exit code.
#pragma once

namespace keyward {

int RunCli(int argc, char** argv);

}  // namespace keyward
