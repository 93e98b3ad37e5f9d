// Helpers shared by the Redis unit tests (test code only).
#pragma once

#include "limits/redis_client.h"
#include "redis_server.h"

namespace keyward {

// Client options for the test server: short timeouts and retries, a small pool.
inline RedisOptions OptionsFor(const keyward_test::RedisServer& server) {
  RedisOptions o;
  o.url = *ParseRedisUrl(server.url());
  o.timeout_ms = 1000;
  o.pool_size = 4;
  o.retry_ms = 20;
  return o;
}

}  // namespace keyward
