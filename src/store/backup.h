// A consistent copy of the store while servers keep using it (`keyward backup --to FILE`,
// API.md 16): for a sqlite:// store, SQLite's online backup API copies one snapshot of the
// database (a read transaction: writers on the WAL go on meanwhile) into a new file that is itself
// a complete keyward store (open it with store.url = "sqlite://FILE"). A PostgreSQL store is
// backed up with pg_dump; this refuses it with a sentence saying so.
// Thread-safety: a free function; it opens its own connections. Failure: kInvalidRequest for a
// PostgreSQL URL, an existing `to` (never overwritten) or a bad URL; kUnavailable when either
// file cannot be opened or the copy fails (a partial `to` is removed).
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace keyward {

Status BackupStore(std::string_view store_url, const std::string& to);

}  // namespace keyward
