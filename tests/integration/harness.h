// Integration-test harness: runs the real keyward binary (KEYWARD_BINARY) on a free loopback port
// with a temporary data dir, and speaks HTTP/1.1 to it over plain POSIX sockets.
//
// Failures of the harness itself (the server does not start, a socket times out, a helper gets an
// unexpected status) throw std::runtime_error with a message saying what happened; GoogleTest
// reports an exception escaping a test body as a failure of that test.
//
// Thread-safety: a KeywardProcess is driven from one thread. An HttpClient is one connection and
// is used from one thread at a time; give each thread its own client.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace keyward_it {

using Headers = std::vector<std::pair<std::string, std::string>>;

// ---------------------------------------------------------------------------------------------
// HTTP client
// ---------------------------------------------------------------------------------------------

struct Response {
  int status = 0;
  std::string reason;
  Headers headers;  // in arrival order, names as sent
  std::string body;

  // The first value of the header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
  // Every value of the header `name` (case-insensitive), in arrival order.
  std::vector<std::string> header_values(std::string_view name) const;
  bool has_header(std::string_view name) const { return header(name).has_value(); }
  // The body parsed as JSON; throws std::runtime_error (quoting the body) when it is not JSON.
  boost::json::value json() const;
  // The body parsed as a JSON object; throws when it is not one.
  boost::json::object object() const;
};

// "status 400, body {...}" for failure messages.
std::string Describe(const Response& r);
// The integer value of header `name`; throws when it is missing or not an integer.
int64_t IntHeader(const Response& r, std::string_view name);
// Each of the rate-limit headers (X-RateLimit-*, RateLimit-Policy, RateLimit) appears exactly once.
void ExpectEachRateLimitHeaderOnce(const Response& r);

// One HTTP/1.1 connection to 127.0.0.1:port with keep-alive. Request() reuses the connection and
// reconnects (once, transparently) only when a reused idle connection turns out closed before any
// byte of the answer arrived. Every read has a receive timeout (default 10 s) so a hung server fails
// the test instead of hanging it.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpClient(HttpClient&& other) noexcept;
  HttpClient& operator=(HttpClient&& other) = delete;

  // Sends one request and reads its response. Adds Host and, when `body` is set, Content-Length
  // (and Content-Type: application/json unless `headers` has a Content-Type).
  Response Request(std::string_view method, std::string_view target, const Headers& headers = {},
                   std::optional<std::string> body = std::nullopt);
  Response Get(std::string_view target, const Headers& headers = {});
  Response Post(std::string_view target, const boost::json::value& body, const Headers& headers = {});
  Response PostRaw(std::string_view target, std::string body, const Headers& headers = {});
  Response Delete(std::string_view target, const Headers& headers = {});

  // Raw access for pipelining, oversized headers and garbage. Connects if needed.
  // SendRaw returns false (instead of throwing) when the peer closed or reset the connection
  // while sending, so a test can still read an early answer such as 413 or 431.
  bool SendRaw(std::string_view bytes);
  // Reads one response from the connection (after SendRaw or for pipelined requests).
  // Throws when the connection closes before a complete response or the read times out.
  Response ReadResponse();
  // Like ReadResponse, but nullopt when the peer closed/reset before any byte of a response.
  std::optional<Response> TryReadResponse();
  // True when the peer closed the connection (EOF or reset) within `wait`, with no more data.
  bool PeerClosed(std::chrono::milliseconds wait);

  void Close();
  bool connected() const { return fd_ >= 0; }
  int connections_opened() const { return connections_opened_; }
  uint16_t port() const { return port_; }

 private:
  void Connect();
  void SendAll(std::string_view bytes);  // throws on error
  bool Fill();                           // reads more bytes into buf_; false on EOF
  Response ParseOne();                   // from buf_ (+ reads), throws on EOF/timeout

  uint16_t port_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  std::string buf_;
  int connections_opened_ = 0;
  bool reused_ = false;  // the connection already carried a complete exchange
};

// ---------------------------------------------------------------------------------------------
// The server process
// ---------------------------------------------------------------------------------------------

struct CliResult {
  int exit_code = -1;  // exit status; 128+signal when killed by a signal; -1 on time-out
  std::string out;     // stdout
  std::string err;     // stderr
};

struct KeywardOptions {
  std::string config_toml;        // written to DIR/keyward.toml and passed as --config when set
  bool create_admin_key = true;   // run `admin-key create` before the first start
  bool start = true;              // start the server in the constructor
  // The data dir holding the store; empty: the process's own temporary dir. Several nodes that
  // share one SQLite file (WAL) point this at the first node's data_dir(); the log, the config
  // and the working directory stay in each process's own dir.
  std::string store_dir = {};
};

// Owns a temporary data dir and (while running) a `keyward serve` child process.
// The destructor stops the server (SIGTERM, then SIGKILL after a deadline) and removes the dir
// (kept when the environment has KEYWARD_IT_KEEP=1).
class KeywardProcess {
 public:
  // With `store_url` set, the store is that URL (given as KEYWARD_STORE_URL to the server and the
  // CLI) instead of --data-dir DIR: e.g. a postgres:// URL shared by several KeywardProcesses.
  explicit KeywardProcess(KeywardOptions options = {}, std::string store_url = {});
  ~KeywardProcess();
  KeywardProcess(const KeywardProcess&) = delete;
  KeywardProcess& operator=(const KeywardProcess&) = delete;

  // Starts `keyward serve` on a fresh free port and waits (≤ 20 s) until GET /healthz is 200.
  // Throws (with the log's tail) when it does not come up.
  void Start();
  // Sends `sig` (SIGTERM by default) and waitpid (≤ 30 s, then SIGKILL). Returns the exit status:
  // the exit code, 128+signal when killed by a signal, -1 when it had to be killed after the deadline.
  int Stop(int sig = SIGTERM);
  // SIGKILL and waitpid.
  void Kill();
  // Sends `sig` (e.g. SIGHUP) without waiting for anything.
  void Signal(int sig) const;
  // Adds a test failure when the server's log holds a sanitizer report (asan preset).
  void CheckSanitizerReports() const;
  // Stop() then Start() on the same data dir (a new port). Returns Stop()'s status.
  int Restart();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Runs `KEYWARD_BINARY args...` to completion (≤ 60 s) and captures stdout, stderr and status.
  CliResult RunCli(const std::vector<std::string>& args) const;
  // {"--data-dir", DIR} (unless a store_url was given) plus {"--config", FILE} when a config was
  // given.
  std::vector<std::string> StoreArgs() const;

  HttpClient Client() const { return HttpClient(port_); }
  uint16_t port() const { return port_; }
  const std::string& admin_key() const { return admin_key_; }
  const std::string& data_dir() const { return store_dir_; }  // where the store lives
  const std::string& config_path() const { return config_path_; }
  std::string log_path() const { return dir_ + "/keyward.log"; }
  std::string ReadLog() const;
  std::string LogTail(size_t bytes = 4000) const;

 private:
  bool WaitReady(std::chrono::steady_clock::time_point deadline, std::string* why);
  int WaitExit(std::chrono::milliseconds deadline);

  std::vector<std::string> Environment() const;  // ChildEnvironment() + KEYWARD_STORE_URL

  std::string dir_;
  std::string store_dir_;  // dir_ unless KeywardOptions::store_dir
  std::string config_path_;
  std::string store_url_;
  std::string admin_key_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Picks a free loopback port (bind port 0, read it, close).
uint16_t PickFreePort();

// ---------------------------------------------------------------------------------------------
// Keys, JSON and API helpers
// ---------------------------------------------------------------------------------------------

inline constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

uint32_t Crc32(std::string_view data);
std::string EncodeBase62Fixed(uint64_t value, size_t width);
std::string RandomBase62(size_t n);
// A well-formed key that was never issued: prefix (e.g. "sk_live_") + 32 random base62 + checksum.
std::string MakeWellFormedKey(std::string_view prefix);
// True when the last 6 characters are the base62 CRC32 of everything before them.
bool ChecksumValid(std::string_view key);
// `key` with the character at `index` replaced by another base62 character.
std::string FlipChar(std::string key, size_t index);

int64_t Now();  // Unix seconds
bool Matches(std::string_view text, std::string_view regex);  // whole-string std::regex match

std::set<std::string> Keys(const boost::json::object& o);
bool IsInteger(const boost::json::value& v);
int64_t AsInt(const boost::json::value& v);  // throws when not an integer
std::string AsString(const boost::json::value& v);  // throws when not a string
std::vector<std::string> StringList(const boost::json::value& v);  // throws when not [string]

// Checks a complete error response: the status; Content-Type JSON; the body is exactly
// {"error":{"status","code","message","request_id"[,"param"]}} with matching status and code;
// request_id equals X-Request-Id and has the form req_<24 base62>; and, when `param` is given,
// error.param equals it.
::testing::AssertionResult IsError(const Response& r, int status, std::string_view code,
                                   std::optional<std::string_view> param = std::nullopt);
// The same for a 200 response with a JSON object body.
::testing::AssertionResult IsOk(const Response& r);

Headers Admin(const std::string& admin_key);                              // x-api-key: ak_...
Headers AdminFor(const std::string& admin_key, const std::string& account);  // + Keyward-Account
Headers ApiKey(const std::string& key);                                   // x-api-key: KEY
Headers Bearer(const std::string& key);                                   // Authorization: Bearer
Headers Join(Headers a, const Headers& b);

// A unique email for a new account.
std::string UniqueEmail();
// POST /v1/accounts as the admin; `body` gets a unique email and a name unless it has them.
// Returns the account id; throws unless the answer is 200 with an acct_ id.
std::string CreateAccount(HttpClient& c, const std::string& admin_key, boost::json::object body = {});

struct CreatedKey {
  std::string id;              // tok_...
  std::string key;             // the plaintext key
  boost::json::object token;   // the whole create response
};
// POST /v1/tokens with `auth`; `body` gets "name" unless it has one. Throws unless 200 with a key.
CreatedKey CreateKey(HttpClient& c, const Headers& auth, boost::json::object body = {});
// POST /v1/tokens/:id/roll. Throws unless 200 with a key.
CreatedKey RollKey(HttpClient& c, const Headers& auth, const std::string& token_id,
                   std::optional<int64_t> expires_in_seconds);
// POST /v1/tokens/:id/revoke. Throws unless 200.
void RevokeKey(HttpClient& c, const Headers& auth, const std::string& token_id);

// GET /v1/auth presenting `key` in x-api-key, with X-Original-Method/X-Original-URI.
Response Auth(HttpClient& c, const std::string& key, std::string_view method = "GET",
              std::string_view uri = "/v1/things", const Headers& extra = {});
// POST /v1/keys/verify {"key","method","path"}.
Response Verify(HttpClient& c, const std::string& key, std::string_view method = "GET",
                std::string_view path = "/v1/things", const Headers& extra = {});

// Polls `probe` (every ~100 ms) until it returns true or `limit` passes; returns the last result.
bool PollUntil(const std::function<bool()>& probe, std::chrono::milliseconds limit);

// ---------------------------------------------------------------------------------------------
// Access tokens (API.md 3), header values, ISO-8601 times
// ---------------------------------------------------------------------------------------------

// "YYYY-MM-DDTHH:MM:SSZ" (exactly that form) as Unix seconds; nullopt for anything else.
std::optional<int64_t> ParseIsoUtc(std::string_view text);

struct MintedToken {
  std::string token;          // at_...
  std::string expires_at;     // the ISO-8601 string as sent
  int64_t expires_unix = 0;   // the same as Unix seconds
  boost::json::object body;   // the whole response
};
// POST /v1/token with `auth` and {"expiry_minutes": N} (an empty object when nullopt). Throws unless
// 200 with an access_token string and an ISO-8601 expires_at.
MintedToken MintAccessToken(HttpClient& c, const Headers& auth,
                            std::optional<int64_t> expiry_minutes = std::nullopt);
// POST /v1/token/verify {"access_token": token} with `auth`.
Response CheckAccessToken(HttpClient& c, const Headers& auth, const std::string& token);

// A header value that says true ("true"/"1") or false ("false"/"0"); false when absent.
bool HeaderTrue(const std::optional<std::string>& v);
bool HeaderFalse(const std::optional<std::string>& v);
// "a:b, c:d" as {"a:b","c:d"} (blank entries dropped).
std::set<std::string> PermissionSet(const std::string& header);

// ---------------------------------------------------------------------------------------------
// Fixture: one server shared by all tests of a suite. A derived fixture defines
//   static void SetUpTestSuite() { StartShared(options); }
//   static void TearDownTestSuite() { StopShared(); }
// Each test gets its own client (client()) and must not depend on other tests' data.
// ---------------------------------------------------------------------------------------------
class SharedServerTest : public ::testing::Test {
 protected:
  static void StartShared(KeywardOptions options = {});
  static void StopShared();
  static KeywardProcess& server() { return *shared_; }

  void SetUp() override;
  void TearDown() override;

  HttpClient& client() { return *client_; }
  const std::string& admin() const { return shared_->admin_key(); }

 private:
  static std::unique_ptr<KeywardProcess> shared_;
  static std::string start_error_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace keyward_it
