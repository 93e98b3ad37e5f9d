// Supervision of the real keyward binary (KEYWARD_BINARY) for the integration tests: a temporary
// data dir, `keyward serve` as a child process on a free loopback port (ready once GET /healthz
// answers 200), graceful and forced stops, and one-shot CLI runs with captured output.
//
// Failures of the supervision itself (the server does not start, fork fails) throw
// std::runtime_error with the log's tail. A sanitizer report in the server's log becomes a test
// failure when the server stops.
// Thread-safety: a KeywardProcess is driven from one thread. The child dies with the test process
// (PR_SET_PDEATHSIG), so a crashed test leaves no orphaned server behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "harness/http_client.h"

namespace keyward_it {

struct CliResult {
  int exit_code = -1;  // exit status; 128+signal when killed by a signal; -1 on time-out
  std::string out;     // stdout
  std::string err;     // stderr
};

struct KeywardOptions {
  std::string config_toml;       // written to DIR/keyward.toml and passed as --config when set
  bool create_admin_key = true;  // run `admin-key create` before the first start
  bool start = true;             // start the server in the constructor
  // The data dir holding the store; empty: the process's own temporary dir. Several nodes that
  // share one SQLite file (WAL) point this at the first node's data_dir(); the log, the config
  // and the working directory stay in each process's own dir.
  std::string store_dir = {};
  // The keyward binary to run; empty: the one under test (KEYWARD_BINARY). The upgrade tests run
  // an earlier release's binary with it.
  std::string binary = {};
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
  // the exit code, 128+signal when killed by a signal, -1 when it had to be killed after the
  // deadline.
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
  std::string binary_;
  std::string admin_key_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Picks a free loopback port (bind port 0, read it, close).
uint16_t PickFreePort();

}  // namespace keyward_it
