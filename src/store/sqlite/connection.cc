#include "store/sqlite/connection.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace keyward::sqlite {
namespace {

constexpr char kBegin[] = "BEGIN IMMEDIATE";
constexpr char kCommit[] = "COMMIT";
constexpr char kRollback[] = "ROLLBACK";

// Our public sentence for a failure SQLite reports with `rc`, and whether it is UNAVAILABLE (the
// store cannot serve this now but may a moment later) rather than INTERNAL_ERROR.
struct Failure {
  bool unavailable;
  const char* sentence;
};

Failure Classify(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {true, "The store is busy; try again shortly."};
    case SQLITE_FULL:
      return {true, "The store is full; writes are refused until space is freed."};
    case SQLITE_READONLY:
      return {true, "The store is read-only; writes are refused until it is writable."};
    case SQLITE_CANTOPEN:
      return {true, "The store cannot open its database file."};
    case SQLITE_IOERR:
      return {true, "The store cannot read or write its database file."};
    default:
      return {false, "The store failed to complete the operation."};
  }
}

// After an I/O error: opens the database file for writing (and closes it) to learn whether the
// file system refuses writes now; the errno of that refusal, or 0. Only on the error path.
int ProbeWritable(sqlite3* db) {
  const char* path = sqlite3_db_filename(db, "main");
  if (path == nullptr || *path == '\0') return 0;
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  // The engine's words are for the log only (Error::internal); the client gets our sentence.
  std::string internal = "sqlite: ";
  internal += context;
  internal += ": ";
  // sqlite3_errmsg describes the most recent failure on `db`, which is the one being reported
  // whenever rc came from that connection; fall back to the generic text otherwise.
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) {
    internal += sqlite3_errmsg(db);
  } else {
    internal += sqlite3_errstr(rc);
  }
  Failure f = Classify(rc);
  // An I/O error says more by its errno: the file system went read-only or ran out of space.
  if ((rc & 0xff) == SQLITE_IOERR && db != nullptr) {
    int err = sqlite3_system_errno(db);
    if (err == 0) err = ProbeWritable(db);  // SQLite no longer holds the errno: ask the file
    if (err != 0) internal += std::string(" (") + std::strerror(err) + ")";
    if (err == EROFS) f = Classify(SQLITE_READONLY);
    if (err == ENOSPC) f = Classify(SQLITE_FULL);
  }
  return f.unavailable ? Error::Unavailable(std::move(internal), f.sentence)
                       : Error::Internal(std::move(internal), f.sentence);
}

// --- Stmt ---

Stmt::Stmt(Stmt&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Stmt::Note(int rc) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Stmt& Stmt::Bind(int index, int64_t value) {
  Note(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view value) {
  // A null data pointer would bind SQL NULL; an empty string must stay an empty string.
  const char* data = value.data() != nullptr ? value.data() : "";
  Note(sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

Stmt& Stmt::Bind(int index, const Digest& value) {
  Note(
      sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC));
  return *this;
}

Stmt& Stmt::Bind(int index, std::optional<int64_t> value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Stmt& Stmt::BindNull(int index) {
  Note(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Stmt::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(db_, bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(db_, rc, "step");
}

Status Stmt::Run() {
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.error();
    if (!*row) return Status::Ok();
  }
}

std::optional<int64_t> Stmt::OptionalInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::string_view Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

bool Stmt::ReadDigest(int col, Digest* out) const {
  if (sqlite3_column_type(stmt_, col) != SQLITE_BLOB) return false;
  const void* p = sqlite3_column_blob(stmt_, col);
  if (p == nullptr || sqlite3_column_bytes(stmt_, col) != static_cast<int>(out->size())) {
    return false;
  }
  const auto* bytes = static_cast<const uint8_t*>(p);
  std::copy(bytes, bytes + out->size(), out->begin());
  return true;
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, Mode mode,
                                                     Synchronous sync, int busy_timeout_ms) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  flags |= mode == Mode::kReadWrite ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                    : SQLITE_OPEN_READONLY;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(db, rc, "open database");
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, busy_timeout_ms);
  if (mode == Mode::kReadWrite) {
    // journal_mode=WAL is persistent in the file; the pragma answers with the mode now in effect.
    std::string journal;
    rc = sqlite3_exec(
        db, "PRAGMA journal_mode=WAL",
        [](void* out, int, char** values, char**) {
          if (values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
          return 0;
        },
        &journal, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db, rc, "enable WAL");
    if (journal != "wal") {
      return Error(ErrorCode::kInternalError,
                   "sqlite: enable WAL: journal mode is '" + journal + "', not 'wal'");
    }
  }
  if (Status s = conn->Exec("PRAGMA foreign_keys=ON", "enable foreign keys"); !s.ok()) {
    return s.error();
  }
  const char* sync_sql = sync == Synchronous::kFull     ? "PRAGMA synchronous=FULL"
                         : sync == Synchronous::kNormal ? "PRAGMA synchronous=NORMAL"
                                                        : "PRAGMA synchronous=OFF";
  if (Status s = conn->Exec(sync_sql, "set synchronous"); !s.ok()) return s.error();
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Stmt> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(db_, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(db_, rc, "prepare");
  }
  cache_.emplace(sql, stmt);
  return Stmt(db_, stmt);
}

Status Connection::Exec(const char* sql, std::string_view context) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, context);
  return Status::Ok();
}

// --- Transaction ---

Transaction::~Transaction() {
  if (!open_ || sqlite3_get_autocommit(conn_.raw()) != 0) return;  // none, or already rolled back
  Result<Stmt> rollback = conn_.Prepare(kRollback);
  if (rollback.ok()) (void)rollback->Run();
}

Status Transaction::Begin() {
  Result<Stmt> begin = conn_.Prepare(kBegin);
  if (!begin.ok()) return begin.error();
  if (Status s = begin->Run(); !s.ok()) return s;
  open_ = true;
  return Status::Ok();
}

Status Transaction::Commit() {
  Result<Stmt> commit = conn_.Prepare(kCommit);
  if (!commit.ok()) return commit.error();
  if (Status s = commit->Run(); !s.ok()) return s;
  open_ = false;
  return Status::Ok();
}

}  // namespace keyward::sqlite
