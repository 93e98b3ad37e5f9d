// A test and fuzzing entry point into the API server (leveldb's TEST_ pattern; always compiled,
// used by fuzz/http_request_fuzz.cc): serves one connection whose client sends `input` and then
// closes, through the server's own connection loop (connection.h) over an in-memory stream, and
// returns everything the server wrote back. No listener, no TLS, no proxy. The first call's api and
// settings are kept for the life of the process (one worker's io_context, a one-thread blocking
// pool). Not thread-safe: one call at a time.
#pragma once

#include <string>
#include <string_view>

#include "http/api.h"
#include "http/server.h"

namespace keyward {

std::string TEST_ServeConnection(Api& api, const ServerSettings& settings, std::string_view input);

}  // namespace keyward
