// The config file loader (API.md 9) on any bytes: a TOML parse error, an unknown key or a bad value
// must come back as an error value, never a crash or an escaping exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "app/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = [] {
    char tmpl[] = "/tmp/keyward-fuzz-config-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd >= 0) ::close(fd);
    return std::string(tmpl);
  }();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  char* env[] = {nullptr};
  auto config = keyward::LoadConfig(path, env);
  (void)config;
  return 0;
}
