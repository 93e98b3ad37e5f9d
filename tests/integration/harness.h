// Integration-test harness: runs the real keyward binary (KEYWARD_BINARY) on a free loopback port
// with a temporary data dir, and speaks HTTP/1.1 to it over plain POSIX sockets.
//
// This umbrella header includes every module of the harness (harness/), one concern each:
//   http_client.h      a raw HTTP/1.1 client and response parser (Response, HttpClient)
//   keyward_process.h  process supervision (KeywardProcess, KeywardOptions, CliResult)
//   key_oracle.h       an independent oracle of the key format (Crc32, MakeWellFormedKey, ...)
//   json_checks.h      error-shape assertions and JSON accessors (IsError, IsOk, AsInt, ...)
//   api_helpers.h      credentials and API calls (Admin, CreateAccount, CreateKey, Auth, Verify)
//   access_tokens.h    access tokens, ISO-8601 times, header values (MintAccessToken, ...)
//   shared_server.h    the one-server-per-suite fixture (SharedServerTest)
// A test may include just the modules it needs instead.
//
// Failures of the harness itself throw std::runtime_error saying what happened; GoogleTest
// reports an exception escaping a test body as a failure of that test.
// Thread-safety: a KeywardProcess is driven from one thread. An HttpClient is one connection and
// is used from one thread at a time; give each thread its own client.
#pragma once

#include "harness/access_tokens.h"
#include "harness/api_helpers.h"
#include "harness/http_client.h"
#include "harness/json_checks.h"
#include "harness/key_oracle.h"
#include "harness/keyward_process.h"
#include "harness/shared_server.h"
