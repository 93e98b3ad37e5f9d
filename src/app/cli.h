// The `keyward` command line (API.md 9): serve, admin-key create, accounts create, tokens create,
// verify, version. Returns the process exit code.
#pragma once

namespace keyward {

int RunCli(int argc, char** argv);

}  // namespace keyward
