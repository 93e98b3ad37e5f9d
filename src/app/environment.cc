#include "app/environment.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/clock.h"
#include "core/random.h"
#include "core/sealed_box.h"
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

namespace {

// The webhook seal key when webhooks.secret_key is not set: webhook.key beside the SQLite file
// (or in --data-dir, else ./data), made with 32 random bytes on first use, readable by the owner
// only. Empty (webhooks refuse to store secrets) when it can be neither read nor made.
std::string LoadOrCreateSealKey(const Config& config, const CommonOptions& opts) {
  namespace fs = std::filesystem;
  fs::path dir = opts.data_dir.empty() ? fs::path("data") : fs::path(opts.data_dir);
  if (config.store_url.starts_with("sqlite://")) {
    dir = fs::path(config.store_url.substr(9)).parent_path();
  }
  const fs::path file = dir / "webhook.key";
  std::string key(kSealKeyBytes, '\0');
  if (std::ifstream in(file, std::ios::binary); in) {
    in.read(key.data(), static_cast<std::streamsize>(key.size()));
    if (in.gcount() == static_cast<std::streamsize>(key.size())) return key;
    spdlog::warn("webhooks: {} is not a 32-byte key; webhook secrets cannot be kept",
                 file.string());
    return {};
  }
  std::error_code ec;
  if (!dir.empty()) fs::create_directories(dir, ec);
  FillRandom(std::span<uint8_t>(reinterpret_cast<uint8_t*>(key.data()), key.size()));
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(key.data(), static_cast<std::streamsize>(key.size()));
    if (!out) {
      spdlog::warn("webhooks: cannot write {}; webhook secrets cannot be kept", file.string());
      return {};
    }
  }
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, ec);
  return key;
}

}  // namespace

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

  if (env->config.service.webhooks.seal_key.empty()) {
    env->config.service.webhooks.seal_key = LoadOrCreateSealKey(env->config, opts);
  }

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
