#include "store/postgres/connection.h"

#include <poll.h>

#include <cstring>
#include <utility>

namespace keyward::pg {
namespace {

// SQLSTATEs (or classes) that mean "the database cannot serve this now": retrying later may work.
bool IsUnavailableState(std::string_view state) {
  if (state.size() != 5) return false;
  const std::string_view cls = state.substr(0, 2);
  return cls == "08"                               // connection exception
         || cls == "53"                            // insufficient resources
         || cls == "57"                            // operator intervention: shutdown, cancel
         || state == "40001" || state == "40P01"   // serialization failure, deadlock
         || state == "55P03" || state == "25006";  // lock not available, read-only transaction
}

// Our public sentence for an "unavailable" SQLSTATE (see IsUnavailableState).
const char* UnavailableSentence(std::string_view state) {
  const std::string_view cls = state.substr(0, 2);
  if (cls == "08" || cls == "57") return "PostgreSQL is unreachable; try again shortly.";
  if (cls == "53") return "The store is out of resources; try again shortly.";
  if (state == "25006") return "The store is read-only; writes are refused until it is writable.";
  return "The store is busy; try again shortly.";
}

// Our public sentence for libpq's reason for not connecting: a fixed phrase per known cause.
std::string UnreachableSentence(std::string_view reason) {
  static constexpr struct {
    std::string_view libpq;  // as libpq words it
    std::string_view ours;
  } kCauses[] = {
      {"password authentication failed", "password authentication failed."},
      {"Connection refused", "the connection was refused."},
      {"timeout expired", "the connection timed out."},
      {"starting up", "the server is starting up."},
      {"shutting down", "the server is shutting down."},
      {"does not exist", "the database or role does not exist."},
      {"too many clients", "the server has too many clients."},
  };
  for (const auto& cause : kCauses) {
    if (reason.find(cause.libpq) != std::string_view::npos) {
      return "PostgreSQL is unreachable: " + std::string(cause.ours);
    }
  }
  return "PostgreSQL is unreachable; try again shortly.";
}

std::string FirstLine(std::string_view text) {
  const size_t nl = text.find('\n');
  std::string line(text.substr(0, nl));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

int64_t ReadBigEndian(const char* p, int len) {
  uint64_t v = 0;
  for (int i = 0; i < len; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (len < 8 && len > 0 && (static_cast<unsigned char>(p[0]) & 0x80) != 0) {
    v |= ~uint64_t{0} << (8 * len);  // sign-extend int2/int4
  }
  return static_cast<int64_t>(v);
}

}  // namespace

Error UnreachableError(const char* libpq_message) {
  // libpq says 'connection to server at "host" (addr), port N failed: REASON'; keep REASON only.
  std::string_view text = libpq_message != nullptr ? libpq_message : "";
  const size_t failed = text.rfind("failed: ");
  if (failed != std::string_view::npos) text.remove_prefix(failed + 8);
  std::string reason = FirstLine(text);
  if (reason.empty()) reason = "no reason given";
  // libpq's reason (and anything it quotes) goes to the log only; the public text names the
  // cause in words of ours when it is one an operator can act on.
  return Error::Unavailable("PostgreSQL is unreachable: " + reason, UnreachableSentence(reason));
}

// --- Params ---

Params& Params::Push(std::string bytes, int format) {
  storage_.push_back(std::move(bytes));
  values_.push_back(storage_.back().data());
  lengths_.push_back(static_cast<int>(storage_.back().size()));
  formats_.push_back(format);
  return *this;
}

Params& Params::Add(int64_t value) {
  return Push(std::to_string(value), 0);
}

Params& Params::Add(std::optional<int64_t> value) {
  return value ? Add(*value) : AddNull();
}

Params& Params::Add(bool value) {
  return Push(value ? "t" : "f", 0);
}

Params& Params::Add(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) has_nul_ = true;
  return Push(std::string(value), 0);
}

Params& Params::Add(const Digest& value) {
  return Push(std::string(reinterpret_cast<const char*>(value.data()), value.size()), 1);
}

Params& Params::AddNull() {
  values_.push_back(nullptr);
  lengths_.push_back(0);
  formats_.push_back(0);
  return *this;
}

// --- Rows ---

int64_t Rows::Int(int row, int col) const {
  const int len = PQgetlength(result_.get(), row, col);
  if (IsNull(row, col) || (len != 2 && len != 4 && len != 8)) return 0;
  return ReadBigEndian(PQgetvalue(result_.get(), row, col), len);
}

std::optional<int64_t> Rows::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

bool Rows::Bool(int row, int col) const {
  return !IsNull(row, col) && PQgetlength(result_.get(), row, col) == 1 &&
         PQgetvalue(result_.get(), row, col)[0] != 0;
}

std::string Rows::Text(int row, int col) const {
  if (IsNull(row, col)) return {};
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

bool Rows::ReadDigest(int row, int col, Digest* out) const {
  if (IsNull(row, col) || PQgetlength(result_.get(), row, col) != static_cast<int>(out->size())) {
    return false;
  }
  std::memcpy(out->data(), PQgetvalue(result_.get(), row, col), out->size());
  return true;
}

int64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n != nullptr && *n != '\0' ? std::strtoll(n, nullptr, 10) : 0;
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url,
                                                     int connect_timeout_seconds) {
  // Our defaults first; the URL (expanded from dbname) overrides them.
  const std::string timeout = std::to_string(connect_timeout_seconds);
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "keyward", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return Error::Unavailable("PostgreSQL: libpq is out of memory",
                              "PostgreSQL is unreachable; try again shortly.");
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = UnreachableError(PQerrorMessage(conn));
    PQfinish(conn);
    return e;
  }
  return std::unique_ptr<Connection>(new Connection(conn));
}

Connection::~Connection() {
  PQfinish(conn_);
}

Error Connection::Fail(const PGresult* result, std::string_view context) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* constraint =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  last_constraint_ = constraint != nullptr ? constraint : "";
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return UnreachableError(PQerrorMessage(conn_));
  }
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  // The server's own words (and the SQLSTATE) go to the log only; the client gets our sentence.
  std::string internal =
      "PostgreSQL: " + std::string(context) + ": " +
      (primary != nullptr ? std::string(primary) : FirstLine(PQerrorMessage(conn_)));
  if (!last_sqlstate_.empty()) internal += " (SQLSTATE " + last_sqlstate_ + ")";
  if (last_sqlstate_.starts_with("08")) broken_ = true;
  if (IsUnavailableState(last_sqlstate_)) {
    return Error::Unavailable(std::move(internal), UnavailableSentence(last_sqlstate_));
  }
  return Error::Internal(std::move(internal), "The store failed to complete the operation.");
}

Result<std::string> Connection::PreparedName(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  std::string name = "kw" + std::to_string(prepared_.size() + 1);
  PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
  const bool ok = r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK;
  if (!ok) {
    Error e = Fail(r, "prepare");
    PQclear(r);
    return e;
  }
  PQclear(r);
  prepared_.emplace(sql, name);
  return name;
}

Result<Rows> Connection::Exec(const std::string& sql, const Params& params) {
  if (params.has_nul()) {
    return InvalidRequest("Text values must not contain the NUL character (\\u0000).");
  }
  Result<std::string> name = PreparedName(sql);
  if (!name.ok()) return name.error();
  PGresult* r = PQexecPrepared(conn_, name->c_str(), params.size(), params.values(),
                               params.lengths(), params.formats(), /*resultFormat=*/1);
  const ExecStatusType st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = Fail(r, "query");
    PQclear(r);
    return e;
  }
  last_sqlstate_.clear();
  last_constraint_.clear();
  return Rows(r);
}

Status Connection::Stream(const std::string& sql, const Params& params,
                          const std::function<Status(const Rows& row)>& fn) {
  if (params.has_nul()) {
    return InvalidRequest("Text values must not contain the NUL character (\\u0000).");
  }
  Result<std::string> name = PreparedName(sql);
  if (!name.ok()) return name.error();
  if (PQsendQueryPrepared(conn_, name->c_str(), params.size(), params.values(), params.lengths(),
                          params.formats(), /*resultFormat=*/1) == 0) {
    return Fail(nullptr, "query");
  }
  PQsetSingleRowMode(conn_);
  Status status = Status::Ok();
  // Read every result to the end (even after a failure) so the connection is usable again.
  while (PGresult* r = PQgetResult(conn_)) {
    Rows rows(r);
    const ExecStatusType st = PQresultStatus(r);
    if (!status.ok()) continue;
    if (st == PGRES_SINGLE_TUPLE) {
      status = fn(rows);
    } else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      status = Fail(r, "query");
    }
  }
  if (status.ok() && PQstatus(conn_) != CONNECTION_OK) return Fail(nullptr, "query");
  return status;
}

Status Connection::ExecScript(const std::string& sql, std::string_view context) {
  PGresult* r = PQexec(conn_, sql.c_str());
  const ExecStatusType st = r != nullptr ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = Fail(r, context);
    PQclear(r);
    return e;
  }
  PQclear(r);
  return Status::Ok();
}

bool Connection::StillUsable() {
  if (broken()) return false;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  if (p.fd < 0) return false;
  const int n = ::poll(&p, 1, 0);
  if (n == 0) return true;  // nothing waiting: the normal case for an idle connection
  // The server spoke unprompted (a shutdown notice) or closed the socket.
  broken_ = true;
  return false;
}

// --- Transaction ---

Transaction::~Transaction() {
  if (open_ && !conn_.broken()) (void)conn_.ExecScript("ROLLBACK", "rollback");
}

Status Transaction::Begin() {
  Status s = conn_.ExecScript("BEGIN", "begin");
  open_ = s.ok();
  return s;
}

Status Transaction::Commit() {
  open_ = false;  // after COMMIT (even a failed one) there is nothing to roll back
  return conn_.ExecScript("COMMIT", "commit");
}

}  // namespace keyward::pg
