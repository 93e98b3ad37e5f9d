// Redis addresses as written in the config: "redis://[[user]:password@]host[:port][/db]".
// Port defaults to 6379, db to 0; host is a name, an IPv4 address or a bracketed IPv6 address.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace keyward {

struct RedisUrl {
  std::string host;
  uint16_t port = 6379;
  int db = 0;
  std::string user;      // empty: the default user
  std::string password;  // empty: no AUTH
};

// Errors: kInvalidRequest with a sentence saying what is wrong (never quoting the password).
Result<RedisUrl> ParseRedisUrl(std::string_view text);

}  // namespace keyward
