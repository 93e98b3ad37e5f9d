#include "app/environment.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "core/clock.h"
#include "store/store.h"

namespace keyward {

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("keyward");
  logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::unique_ptr<Environment> OpenEnvironment(const CommonOptions& opts, char** envp,
                                             const std::string& listen_override) {
  auto config = LoadConfig(opts.config, envp);
  if (!config.ok()) {
    std::cerr << "keyward: configuration refused: " << config.error().message() << "\n";
    return nullptr;
  }
  auto env = std::make_unique<Environment>();
  env->config = std::move(*config);
  if (!opts.data_dir.empty()) env->config.store_url = "sqlite://" + opts.data_dir + "/keyward.db";
  if (!listen_override.empty()) {
    std::string host;
    uint16_t port;
    if (!SplitHostPort(listen_override, &host, &port)) {
      std::cerr << "keyward: --listen must be host:port, e.g. 127.0.0.1:8080\n";
      return nullptr;
    }
    env->config.server.listen = listen_override;
  }
  if (spdlog::get("keyward") == nullptr) SetupLogging(env->config.log_level);

  StoreOptions store_options;
  store_options.pool_size = env->config.store_pool_size;
  auto store = OpenStore(env->config.store_url, store_options);
  if (!store.ok()) {
    std::cerr << "keyward: cannot open the store " << RedactStoreUrl(env->config.store_url) << ": "
              << store.error().ForLog() << "\n";
    return nullptr;
  }
  try {
    env->services =
        std::make_unique<Services>(std::move(*store), env->config.service, SystemClock::Instance());
  } catch (const std::exception& e) {
    std::cerr << "keyward: " << e.what() << "\n";
    return nullptr;
  }
  return env;
}

}  // namespace keyward
