// A throwaway PostgreSQL 15 server for tests: initdb into a fresh temporary directory, postgres
// listening on 127.0.0.1 on a free port (unix sockets inside the directory), stopped by PID with
// SIGINT (fast shutdown) and the directory removed at the end. Test-only.
//
// PostgreSQL refuses to run as root: when the test runs as root, initdb and postgres run as the
// unprivileged `postgres` account Debian's package creates (the directory is chowned to it);
// otherwise as the current user. The binaries come from /usr/lib/postgresql/15/bin (or the
// directory in KEYWARD_PG_BINDIR). Missing binaries are an error (the test must fail, not skip):
// scripts/install-deps installs them.
//
// TCP connections need a password (scram-sha-256), as in production; the superuser `keyward` is
// reached only over the unix socket (trusted) and is used by Exec() to set up databases. Stores
// under test connect over TCP as an unprivileged role that only owns its database
// (CreateDatabase()). The server is tuned for tests (fsync off): it survives a crash of the
// process using it, not of the machine.
//
// Failures throw std::runtime_error saying what happened (with the server log's tail).
// Thread-safety: drive one PostgresServer from one thread — the thread that started it must live
// as long as the server (the server is killed when that thread's process dies).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>

namespace keyward_test {

class PostgresServer {
 public:
  // initdb + start; waits (≤ 30 s) until it accepts connections.
  PostgresServer();
  // A streaming-replication hot standby of `primary` (pg_basebackup -R from it, over its unix
  // socket as the superuser), started on its own free port; it accepts read-only connections
  // until Promote(). `primary` must be running.
  struct StandbyOf {
    const PostgresServer& primary;
  };
  explicit PostgresServer(StandbyOf standby);
  ~PostgresServer();  // Stop(), then remove the directory (kept with KEYWARD_IT_KEEP=1)
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Fast shutdown (SIGINT) and waitpid (≤ 30 s, then SIGKILL). No-op when stopped.
  void Stop();
  // Starts it again on the same port and data directory (after Stop()).
  void Start();
  bool running() const { return pid_ > 0; }

  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }

  struct Database {
    std::string name;  // keyward_test_N
    std::string user;  // its owner: a LOGIN role with no other rights
    std::string password;
    std::string url;  // postgres://user:password@127.0.0.1:PORT/name
  };
  // Creates an empty database with a fresh name, owned by a fresh role.
  Database CreateDatabase();

  // postgres://USER[:PASSWORD]@127.0.0.1:PORT/DB
  std::string Url(const std::string& db, const std::string& user,
                  const std::string& password) const;

  // Runs `sql` (one or more statements, no parameters) as the superuser in database `db`.
  void Exec(const std::string& sql, const std::string& db = "postgres") const;
  // Runs `sql` (one query, no parameters) as the superuser in database `db` and returns its rows
  // as the sqlite3 shell prints them: cells joined by '|', rows by '\n', no trailing newline; NULL
  // is an empty cell. Throws when the query fails.
  std::string Query(const std::string& sql, const std::string& db) const;

  std::string LogTail(size_t bytes = 3000) const;

  // A standby: makes it a primary (SELECT pg_promote(), waiting ≤ 30 s).
  void Promote() const;

 private:
  // Checks the binaries and makes the (chowned) temporary directory.
  void Prepare();
  // Picks a free port and starts (a few attempts).
  void StartOnFreePort();
  void Launch();
  void WaitReady();

  std::string bin_;
  std::string dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// Stops `server` now; at the end of the scope starts it again unless the test already did (so a
// failing test does not leave the shared server down for the next one).
class ScopedStop {
 public:
  explicit ScopedStop(PostgresServer& server) : server_(server) { server_.Stop(); }
  ~ScopedStop() {
    if (!server_.running()) server_.Start();
  }
  ScopedStop(const ScopedStop&) = delete;
  ScopedStop& operator=(const ScopedStop&) = delete;

 private:
  PostgresServer& server_;
};

// One server for the whole test process, started on first use (from the main thread) and stopped
// at exit.
PostgresServer& SharedPostgresServer();

}  // namespace keyward_test
