// LISTEN/NOTIFY on PostgreSQL, for change propagation between nodes (PostgresChangeFeed,
// postgres_change_feed.h, receives through one); kept separate from the Store
// (PostgresStore::Listen opens one on the store's database).
//
// A Listener holds one dedicated connection (not from the store's pool: a listening connection
// must stay open, and idle between notifications) subscribed to one channel. Notifications are
// delivered only while it is connected: after a lost connection, Wait() reports kUnavailable once,
// the next Wait() reconnects and subscribes again, and whatever was sent in between is gone — a
// user must resync from the store after every kUnavailable. Send with PostgresStore::Notify (or
// NOTIFY / pg_notify from anywhere); a notification is delivered when its transaction commits.
//
// Thread-safety: a Listener is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

typedef struct pg_conn PGconn;

namespace keyward {

struct Notification {
  std::string channel;
  std::string payload;  // at most 7999 bytes (PostgreSQL's limit)
};

class Listener {
 public:
  virtual ~Listener() = default;
  // Waits up to `timeout` for notifications and returns those that arrived (possibly none).
  // kUnavailable when the connection is lost or cannot be made (see above).
  virtual Result<std::vector<Notification>> Wait(std::chrono::milliseconds timeout) = 0;
};

class PostgresListener final : public Listener {
 public:
  // Connects to `url` and LISTENs on `channel` (1..63 of [a-z0-9_]; kInvalidRequest otherwise).
  static Result<std::unique_ptr<PostgresListener>> Open(const std::string& url,
                                                        const std::string& channel);
  ~PostgresListener() override;
  PostgresListener(const PostgresListener&) = delete;
  PostgresListener& operator=(const PostgresListener&) = delete;

  Result<std::vector<Notification>> Wait(std::chrono::milliseconds timeout) override;

 private:
  PostgresListener(std::string url, std::string channel)
      : url_(std::move(url)), channel_(std::move(channel)) {}
  Status Connect();
  void Disconnect();
  void Drain(std::vector<Notification>* out);

  const std::string url_;
  const std::string channel_;
  PGconn* conn_ = nullptr;  // null while disconnected
};

}  // namespace keyward
