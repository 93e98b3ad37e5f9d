// The SQLite schema as an ordered list of migrations: migration N (1-based) is Migrations()[N-1].
// Applied migrations are recorded in schema_migrations(version, applied_at); Migrate() applies the
// pending ones, all in one BEGIN IMMEDIATE transaction, so a database is at one version or the
// other and two processes opening the same file at once migrate it once.
// Append new migrations; never edit a released one.
//
// Thread-safety: Migrations() is immutable data; Migrate() uses the connection it is given.
#pragma once

#include <span>
#include <string_view>

#include "core/status.h"
#include "store/sqlite/connection.h"

namespace keyward::sqlite {

std::span<const std::string_view> Migrations();

// Brings the database on `conn` (read-write) up to the newest version. Fails with kInternalError
// if the database records a version newer than this binary knows.
Status Migrate(Connection& conn);

}  // namespace keyward::sqlite
