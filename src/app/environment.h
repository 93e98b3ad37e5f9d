// What every command needs before it can act: the configuration (file, environment, flags), the
// logger, and the opened store wrapped in the domain Services. Start-up only.
#pragma once

#include <memory>
#include <string>

#include "app/commands.h"
#include "app/config.h"
#include "service/services.h"

namespace keyward {

struct Environment {
  Config config;
  std::unique_ptr<Services> services;
};

// Loads and opens everything; prints the reason to stderr and returns nullptr on failure.
std::unique_ptr<Environment> OpenEnvironment(const CommonOptions& opts, char** envp,
                                             const std::string& listen_override = {});

// JSON lines on stderr at `level`.
void SetupLogging(const std::string& level);

}  // namespace keyward
