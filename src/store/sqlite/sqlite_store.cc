#include "store/sqlite/sqlite_store.h"

#include <utility>

namespace keyward {

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteOptions options) {
  Result<std::unique_ptr<sqlite::SqliteDriver>> driver = sqlite::SqliteDriver::Open(path, options);
  if (!driver.ok()) return driver.error();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(driver).value()));
}

}  // namespace keyward
