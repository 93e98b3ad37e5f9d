#include "store/backup.h"

#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <system_error>

namespace keyward {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Db = std::unique_ptr<sqlite3, CloseDb>;

Result<Db> Open(const std::string& path, int flags, std::string_view what) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Error(ErrorCode::kUnavailable, "Cannot open the " + std::string(what) + " " + path +
                                              ": " + sqlite3_errstr(rc) + ".");
  }
  sqlite3_busy_timeout(db.get(), 10'000);
  return db;
}

Status Copy(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::exists(from, ec)) {
    return InvalidRequest("The store " + from + " does not exist.");
  }
  auto source = Open(from, SQLITE_OPEN_READONLY, "store");
  if (!source.ok()) return source.error();
  auto target = Open(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "backup file");
  if (!target.ok()) return target.error();
  sqlite3_backup* backup = sqlite3_backup_init(target->get(), "main", source->get(), "main");
  if (backup == nullptr) {
    return Error(ErrorCode::kUnavailable,
                 std::string("The backup could not start: ") + sqlite3_errmsg(target->get()) + ".");
  }
  // All pages in one step: one read transaction, so one consistent snapshot of the source.
  int rc = sqlite3_backup_step(backup, -1);
  const int finished = sqlite3_backup_finish(backup);
  if (rc == SQLITE_DONE) rc = finished;
  if (rc != SQLITE_OK && rc != SQLITE_DONE) {
    return Error(ErrorCode::kUnavailable,
                 std::string("The backup failed: ") + sqlite3_errstr(rc) + ".");
  }
  return Status::Ok();
}

}  // namespace

Status BackupStore(std::string_view url, const std::string& to) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return InvalidRequest(
        "The store is PostgreSQL: back it up with pg_dump (docs/operations.md, Backups).");
  }
  constexpr std::string_view kSqlite = "sqlite://";
  if (!url.starts_with(kSqlite)) return InvalidRequest("Unknown store url scheme.");
  std::string_view rest = url.substr(kSqlite.size());
  const std::string from(rest.substr(0, rest.find('?')));
  if (to.empty()) return InvalidRequest("The backup needs a file to write (--to FILE).", "to");
  std::error_code ec;
  if (std::filesystem::exists(to, ec) || std::filesystem::is_symlink(to, ec)) {
    return InvalidRequest(to + " already exists; the backup never overwrites a file.", "to");
  }
  Status st = Copy(from, to);
  if (!st.ok()) std::filesystem::remove(to, ec);
  return st;
}

}  // namespace keyward
