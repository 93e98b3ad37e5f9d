// The PostgreSQL schema as an ordered list of migrations: migration N (1-based) is
// Migrations()[N-1]. They mirror the SQLite ones version for version (the same tables, columns and
// meaning, in PostgreSQL types), so that both stores are at the same version number for the same
// features. Applied migrations are recorded in schema_migrations(version, applied_at); Migrate()
// applies the pending ones in one transaction that first takes a transaction-level advisory lock,
// so two nodes starting at once on an empty database migrate it exactly once (the second waits,
// then finds nothing left to do). Append new migrations; never edit a released one.
//
// Thread-safety: Migrations() is immutable data; Migrate() uses the connection it is given.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "core/status.h"
#include "store/postgres/connection.h"

namespace keyward::pg {

// The advisory lock key Migrate() holds (an arbitrary constant: "keyward" in ASCII).
inline constexpr int64_t kMigrationLockKey = 0x6b6579776172;

std::span<const std::string_view> Migrations();

// Brings the database on `conn` up to the newest version. Fails with kInternalError if the
// database records a version newer than this binary knows.
Status Migrate(Connection& conn);

}  // namespace keyward::pg
