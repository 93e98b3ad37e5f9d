#include "store/postgres/postgres_store.h"

#include <utility>

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_change_feed.h"
#include "store/postgres/postgres_driver.h"

namespace keyward {
namespace {

const sql::Statement kNotify("SELECT pg_notify($1, $2)");

}  // namespace

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const std::string& url,
                                                           PostgresOptions options) {
  pg::PoolOptions pool_options;
  pool_options.max_size = options.pool_size < 2 ? 2 : options.pool_size;
  pool_options.acquire_timeout = std::chrono::milliseconds(options.acquire_timeout_ms);
  pool_options.connect_timeout_seconds = options.connect_timeout_seconds;
  auto pool = std::make_unique<pg::Pool>(url, pool_options);
  {
    Result<pg::Pool::Lease> lease = pool->Acquire();
    if (!lease.ok()) return lease.error();
    if (Status s = pg::Migrate(**lease); !s.ok()) return s.error();
  }
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(url, std::make_unique<pg::PostgresDriver>(std::move(pool))));
}

PostgresStore::PostgresStore(std::string url, std::unique_ptr<sql::Driver> driver)
    : SqlStore(std::move(driver), sql::PostgresDialect()), url_(std::move(url)) {}

std::unique_ptr<ChangeFeed> PostgresStore::OpenChangeFeed() {
  return std::make_unique<PostgresChangeFeed>(*this);
}

Status PostgresStore::Notify(std::string_view channel, std::string_view payload) {
  return driver().Write([&](sql::Session& session) -> Status {
    Result<int64_t> ran = session.Run(kNotify, sql::Params().Add(channel).Add(payload));
    if (!ran.ok()) return ran.error();
    return Status::Ok();
  });
}

Result<std::unique_ptr<PostgresListener>> PostgresStore::Listen(const std::string& channel) const {
  return PostgresListener::Open(url_, channel);
}

}  // namespace keyward
