// Redis addresses as written in the config (API.md 16):
//   redis://[[user]:password@]host[:port][/db]            one server
//   rediss://…                                            the same over TLS
//   redis+sentinel://[[user]:password@]h1:26379,h2:26379/mymaster[/db]
//                                                         the primary the sentinels name
// Port defaults to 6379 (26379 for a sentinel), db to 0; a host is a name, an IPv4 address or a
// bracketed IPv6 address. user:password authenticate to the data nodes (AUTH user password, an
// ACL user); sentinels take redis.sentinel_password.
//   redis+cluster://[[user]:password@]h1:7000,h2:7001,h3:7002
//                                                         a Redis Cluster, found through any of
//                                                         these seeds; no /db (a cluster has
//                                                         only database 0); plain TCP (API.md
//                                                         names no TLS form of it)
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace keyward {

struct RedisHostPort {
  std::string host;
  uint16_t port = 6379;
};

struct RedisUrl {
  std::string host;  // standalone: the server
  uint16_t port = 6379;
  int db = 0;
  std::string user;      // empty: the default user
  std::string password;  // empty: no AUTH
  bool tls = false;      // rediss://
  // redis+sentinel://: the sentinels to ask (host/port above unused) and the primary's name.
  std::vector<RedisHostPort> sentinels;
  std::string master_name;
  bool sentinel() const { return !sentinels.empty(); }
  // redis+cluster://: the seed nodes (host/port above unused).
  std::vector<RedisHostPort> cluster_nodes;
  bool cluster() const { return !cluster_nodes.empty(); }
};

// Errors: kInvalidRequest with a sentence saying what is wrong (never quoting the password).
Result<RedisUrl> ParseRedisUrl(std::string_view text);

}  // namespace keyward
