// OpenStore: store URLs.
//   sqlite://PATH[?synchronous=full|normal]   PATH relative to the working directory, or absolute
//                                             (sqlite:///var/lib/keyward.db); its directory is
//                                             created when missing
//   postgres://user:password@host:port/db[?param=value...]   (also postgresql://) any libpq URL
#include <filesystem>
#include <system_error>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace keyward {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kPostgresSchemes[] = {"postgres://", "postgresql://"};

bool IsPostgresUrl(std::string_view url) {
  for (std::string_view scheme : kPostgresSchemes) {
    if (url.starts_with(scheme)) return true;
  }
  return false;
}

Result<std::unique_ptr<Store>> OpenPostgres(std::string_view url, const StoreOptions& options) {
  if (options.pool_size < 2 || options.pool_size > 100) {
    return InvalidRequest("store.pool_size must be 2 to 100.");
  }
  PostgresOptions pg;
  pg.pool_size = options.pool_size;
  Result<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(std::string(url), pg);
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(store).value());
}

Result<SqliteOptions> ParseSqliteQuery(std::string_view query) {
  SqliteOptions options;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair == "synchronous=full") {
      options.synchronous = sqlite::Synchronous::kFull;
    } else if (pair == "synchronous=normal") {
      options.synchronous = sqlite::Synchronous::kNormal;
    } else {
      return InvalidRequest("Unsupported store url option '" + std::string(pair) +
                            "': sqlite:// accepts only synchronous=full or synchronous=normal.");
    }
  }
  return options;
}

Result<std::unique_ptr<Store>> OpenSqlite(std::string_view rest) {
  const size_t question = rest.find('?');
  const std::string path(rest.substr(0, question));
  Result<SqliteOptions> options = ParseSqliteQuery(
      question == std::string_view::npos ? std::string_view() : rest.substr(question + 1));
  if (!options.ok()) return options.error();
  if (path.empty()) {
    return InvalidRequest(
        "The store url sqlite:// needs a file path, e.g. sqlite://data/keyward.db.");
  }
  if (path == ":memory:" || path.starts_with("file:")) {
    return InvalidRequest(
        "The store url sqlite:// needs a file path, e.g. sqlite://data/keyward.db.");
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error(ErrorCode::kUnavailable,
                   "Cannot create the store directory " + parent.string() + ": " + ec.message());
    }
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, *options);
  if (!store.ok()) return store.error();
  return std::unique_ptr<Store>(std::move(store).value());
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url, const StoreOptions& options) {
  if (url.starts_with(kSqliteScheme)) return OpenSqlite(url.substr(kSqliteScheme.size()));
  if (IsPostgresUrl(url)) return OpenPostgres(url, options);
  // Name only the scheme: a url may carry a password.
  const size_t colon = url.find(':');
  const std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  return InvalidRequest("Unsupported store url" +
                        (scheme.empty() ? std::string() : " scheme '" + scheme + "'") +
                        ": expected sqlite://PATH or postgres://USER:PASSWORD@HOST:PORT/DB.");
}

std::string RedactStoreUrl(std::string_view url) {
  if (!IsPostgresUrl(url)) return std::string(url);
  std::string out(url);
  // user:password@ in the authority (before the first '/', '?' or '#' after the scheme).
  const size_t start = out.find("://") + 3;
  size_t end = out.find_first_of("/?#", start);
  if (end == std::string::npos) end = out.size();
  const size_t at = out.rfind('@', end);
  if (at != std::string::npos && at >= start) {
    const size_t colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
      end = out.find_first_of("/?#", start);
      if (end == std::string::npos) end = out.size();
    }
  }
  // password=... among the query parameters.
  size_t q = out.find('?', end);
  while (q != std::string::npos) {
    const size_t key = q + 1;
    if (out.compare(key, 9, "password=") == 0) {
      size_t value_end = out.find('&', key + 9);
      if (value_end == std::string::npos) value_end = out.size();
      out.replace(key + 9, value_end - key - 9, "***");
    }
    q = out.find('&', key);
  }
  return out;
}

}  // namespace keyward
