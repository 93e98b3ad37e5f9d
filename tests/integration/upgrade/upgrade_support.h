// Support for the upgrade and restore tests (issue 19, API.md 16.1): the committed fixtures of
// earlier releases' stores (tests/fixtures/upgrades/NAME/: keyward.db, postgres.sql,
// manifest.json, made by tests/fixtures/upgrades/make-fixture), putting one in place for a node
// (a copy of the SQLite file; the dump restored with psql into a fresh database owned by the
// store's role), and the checks that a store opened by this binary still holds what the old
// binary wrote: keys verify, the revoked key stays revoked, balances, the access token, the
// dashboard session.
//
// Failures to set things up (a missing fixture, psql failing) throw std::runtime_error; the checks
// add GoogleTest failures. Thread-safety: plain functions and values; use from the test's thread.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "harness.h"

namespace keyward_it {

// The directory holding every release's fixture.
std::string FixturesDir();
// The names of the committed fixtures (subdirectories of FixturesDir()), sorted.
std::vector<std::string> FixtureNames();

// This binary's schema version: the number of migrations in src/store/sqlite/migrations.cc (both
// engines have the same numbers; the schema tests check that).
int64_t KnownSchemaVersion();

struct Fixture {
  std::string name;              // e.g. "schema-5"
  std::string dir;               // FixturesDir()/name
  int64_t schema_version = 0;    // the newest migration the old binary had applied
  boost::json::object sqlite;    // the manifest's part for the SQLite store
  boost::json::object postgres;  // and for the PostgreSQL one
};
Fixture LoadFixture(const std::string& name);

// A fresh temporary directory (removed by the destructor unless KEYWARD_IT_KEEP=1).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Copies `file` to DIR/keyward.db (the store a node started with --data-dir DIR opens).
void PlaceSqliteStore(const std::string& file, const std::string& dir);
// A fixture's SQLite store (its `sqlite3 .dump`, kept as text) written into `dir`/keyward.db.
void RestoreSqliteDump(const std::string& dump_file, const std::string& dir);
// Restores a plain-SQL dump into the (empty) database at `url` with psql, as the database's own
// role (so the objects are the role's, as a fresh keyward would have made them).
void RestorePostgresDump(const std::string& dump_file, const std::string& url);
// Runs `sql` with the sqlite3 shell on `db_file`; returns its output (throws when it fails).
std::string Sqlite3(const std::string& db_file, const std::string& sql);
// Runs a command line (through /bin/sh); returns its stdout, throws with its output on failure.
std::string RunShell(const std::string& command);

// True once GET /readyz answers 200 (index loaded, change feed caught up), polled for up to 20 s.
bool WaitUntilReady(const KeywardProcess& node);

// Everything the manifest `m` (one engine's part) says the old binary wrote is there, answered as
// the old binary answered it, by `node` (this binary on that store).
void ExpectFixtureIntact(const KeywardProcess& node, const boost::json::object& m);
// The upgraded store takes writes, including those of each later migration's tables: a new key
// (verifies), a credits top-up, a token metadata update (v6), the event log (v7), usage (v8).
void ExpectWritesWork(const KeywardProcess& node, const boost::json::object& m);

}  // namespace keyward_it
