#include "store/postgres/listener.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>

#include "store/postgres/connection.h"

namespace keyward {
namespace {

bool ValidChannel(const std::string& channel) {
  if (channel.empty() || channel.size() > 63) return false;
  for (char c : channel) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

constexpr int kConnectTimeoutSeconds = 5;

}  // namespace

Result<std::unique_ptr<PostgresListener>> PostgresListener::Open(const std::string& url,
                                                                 const std::string& channel) {
  if (!ValidChannel(channel)) {
    return InvalidRequest("A channel name is 1 to 63 of a-z, 0-9 and _.");
  }
  std::unique_ptr<PostgresListener> listener(new PostgresListener(url, channel));
  if (Status s = listener->Connect(); !s.ok()) return s.error();
  return listener;
}

PostgresListener::~PostgresListener() {
  Disconnect();
}

void PostgresListener::Disconnect() {
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

Status PostgresListener::Connect() {
  const std::string timeout = std::to_string(kConnectTimeoutSeconds);
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), "keyward-listener", url_.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn_ == nullptr || PQstatus(conn_) != CONNECTION_OK) {
    Error e = pg::UnreachableError(conn_ != nullptr ? PQerrorMessage(conn_) : "out of memory");
    Disconnect();
    return e;
  }
  // LISTEN takes an identifier, not a parameter; the channel is checked to be [a-z0-9_]+.
  const std::string sql = "LISTEN " + channel_;
  PGresult* r = PQexec(conn_, sql.c_str());
  const bool ok = r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    Error e = pg::UnreachableError(PQerrorMessage(conn_));
    Disconnect();
    return e;
  }
  return Status::Ok();
}

void PostgresListener::Drain(std::vector<Notification>* out) {
  while (PGnotify* n = PQnotifies(conn_)) {
    out->push_back(Notification{n->relname, n->extra != nullptr ? n->extra : ""});
    PQfreemem(n);
  }
}

Result<std::vector<Notification>> PostgresListener::Wait(std::chrono::milliseconds timeout) {
  if (conn_ == nullptr) {
    if (Status s = Connect(); !s.ok()) return s.error();
  }
  std::vector<Notification> out;
  Drain(&out);
  if (!out.empty()) return out;
  pollfd p{PQsocket(conn_), POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno != EINTR) {
    Disconnect();
    return Error(ErrorCode::kUnavailable, "PostgreSQL listener: poll failed");
  }
  if (n > 0) {
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) != CONNECTION_OK) {
      Error e = pg::UnreachableError(PQerrorMessage(conn_));
      Disconnect();
      return e;
    }
    Drain(&out);
  }
  return out;
}

}  // namespace keyward
