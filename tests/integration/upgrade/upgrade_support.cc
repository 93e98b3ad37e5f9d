// Upgrade fixtures and their checks: see upgrade_support.h.
#include "upgrade/upgrade_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace keyward_it {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Single-quotes `s` for /bin/sh.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string Str(const json::object& o, std::string_view k) {
  return std::string(o.at(k).as_string());
}

const json::object& KeyOf(const json::object& m, std::string_view name) {
  return m.at("keys").as_object().at(name).as_object();
}

bool Valid(HttpClient& c, const std::string& key) {
  Response r = Verify(c, key);
  return r.status == 200 && r.object().at("valid") == true;
}

}  // namespace

std::string FixturesDir() {
  return std::string(KEYWARD_SOURCE_DIR) + "/tests/fixtures/upgrades";
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(FixturesDir())) {
    if (e.is_directory() && fs::exists(e.path() / "manifest.json")) {
      names.push_back(e.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

int64_t KnownSchemaVersion() {
  const std::string src =
      ReadAll(std::string(KEYWARD_SOURCE_DIR) + "/src/store/sqlite/migrations.cc");
  std::smatch m;
  static const std::regex kArray(R"(std::array<std::string_view,\s*(\d+)>\s*kMigrations)");
  if (!std::regex_search(src, m, kArray)) {
    throw std::runtime_error("no kMigrations array in src/store/sqlite/migrations.cc");
  }
  return std::stoll(m[1].str());
}

Fixture LoadFixture(const std::string& name) {
  Fixture f;
  f.name = name;
  f.dir = FixturesDir() + "/" + name;
  json::object m = json::parse(ReadAll(f.dir + "/manifest.json")).as_object();
  f.schema_version = m.at("schema_version").as_object().at("sqlite").as_int64();
  f.sqlite = m.at("sqlite").as_object();
  f.postgres = m.at("postgres").as_object();
  return f;
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "keyward-upgrade-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  const char* keep = std::getenv("KEYWARD_IT_KEEP");
  if (keep != nullptr && std::string(keep) == "1") return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string RunShell(const std::string& command) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int st = ::pclose(p);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    throw std::runtime_error("command failed (" + std::to_string(st) + "): " + command + "\n" +
                             out);
  }
  return out;
}

void PlaceSqliteStore(const std::string& file, const std::string& dir) {
  fs::create_directories(dir);
  fs::copy_file(file, dir + "/keyward.db", fs::copy_options::overwrite_existing);
}

void RestoreSqliteDump(const std::string& dump_file, const std::string& dir) {
  fs::create_directories(dir);
  const std::string db = dir + "/keyward.db";
  fs::remove(db);
  RunShell("sqlite3 -bail " + Quote(db) + " < " + Quote(dump_file) + " >/dev/null");
}

void RestorePostgresDump(const std::string& dump_file, const std::string& url) {
  RunShell("psql -X -q -v ON_ERROR_STOP=1 -f " + Quote(dump_file) + " " + Quote(url) +
           " >/dev/null");
}

std::string Sqlite3(const std::string& db_file, const std::string& sql) {
  return RunShell("sqlite3 " + Quote(db_file) + " " + Quote(sql));
}

bool WaitUntilReady(const KeywardProcess& node) {
  return PollUntil(
      [&] {
        try {
          HttpClient c = node.Client();
          return c.Get("/readyz").status == 200;
        } catch (const std::exception&) {
          return false;
        }
      },
      std::chrono::seconds(20));
}

void ExpectFixtureIntact(const KeywardProcess& node, const json::object& m) {
  HttpClient c = node.Client();
  const std::string admin = Str(m, "admin_key");
  ASSERT_TRUE(WaitUntilReady(node));

  // The admin key still administers; both accounts are there.
  Response accounts = c.Get("/v1/accounts", Admin(admin));
  ASSERT_EQ(accounts.status, 200) << Describe(accounts);
  std::set<std::string> ids;
  const json::object listing = accounts.object();  // the loop must not run over a temporary
  for (const auto& a : listing.at("data").as_array()) {
    ids.insert(Str(a.as_object(), "id"));
  }
  for (const auto& [name, id] : m.at("accounts").as_object()) {
    EXPECT_TRUE(ids.count(std::string(id.as_string()))) << "account " << name << " lost";
  }

  // Balances, as the old binary reported them (before any verification here could charge).
  for (const auto& [name, want] : m.at("credits").as_object()) {
    Response r = c.Get("/v1/credits", ApiKey(Str(KeyOf(m, name), "key")));
    ASSERT_EQ(r.status, 200) << name << ": " << Describe(r);
    EXPECT_EQ(r.object().at("balance"), want.as_object().at("balance")) << name;
    EXPECT_EQ(r.object().at("used"), want.as_object().at("used")) << name;
  }

  // Every key has its status and verifies as the old binary said it would; the revoked one stays
  // revoked.
  for (const auto& [name, v] : m.at("keys").as_object()) {
    const json::object& k = v.as_object();
    const std::string status = Str(m.at("statuses").as_object(), name);
    Response t = c.Get("/v1/tokens/" + Str(k, "id"), AdminFor(admin, Str(k, "account")));
    ASSERT_EQ(t.status, 200) << name << ": " << Describe(t);
    EXPECT_EQ(Str(t.object(), "status"), status) << name;
    EXPECT_EQ(Valid(c, Str(k, "key")), m.at("verify").as_object().at(name).as_bool()) << name;
  }
  const std::string revoked = Str(KeyOf(m, "alice-revoked"), "key");
  EXPECT_EQ(c.Get("/v1/credits", ApiKey(revoked)).status, 401);
  EXPECT_EQ(m.at("revoked_key_status").as_int64(), 401);

  // The access token still verifies for its account; the dashboard session still signs in.
  const std::string secret = Str(KeyOf(m, "alice-secret"), "key");
  Response at = c.Post("/v1/token/verify", json::object{{"access_token", m.at("access_token")}},
                       ApiKey(secret));
  ASSERT_EQ(at.status, 200) << Describe(at);
  EXPECT_EQ(at.object().at("valid"), true) << Describe(at);
  Response session = c.Get("/v1/tokens", {{"Cookie", Str(m, "session_cookie")}});
  EXPECT_EQ(session.status, 200) << Describe(session);
  EXPECT_EQ(m.at("session_status").as_int64(), 200);
}

void ExpectWritesWork(const KeywardProcess& node, const json::object& m) {
  HttpClient c = node.Client();
  const std::string admin = Str(m, "admin_key");
  const std::string alice = Str(m.at("accounts").as_object(), "alice");
  const Headers as_alice = AdminFor(admin, alice);

  CreatedKey fresh = CreateKey(c, as_alice, {{"name", "after-upgrade"}});
  EXPECT_TRUE(Valid(c, fresh.key));
  // A token metadata update (migration 6's columns) on a key the old release made.
  const std::string old_id = Str(KeyOf(m, "alice-secret"), "id");
  Response upd = c.Post("/v1/tokens/" + old_id,
                        json::object{{"metadata", json::object{{"upgraded", "yes"}}}}, as_alice);
  ASSERT_EQ(upd.status, 200) << Describe(upd);
  EXPECT_EQ(upd.object().at("metadata").as_object().at("upgraded"), "yes");
  // A top-up lands on the old balance.
  const std::string secret = Str(KeyOf(m, "alice-secret"), "key");
  const int64_t before = c.Get("/v1/credits", ApiKey(secret)).object().at("balance").as_int64();
  Response top =
      c.Post("/v1/accounts/" + alice + "/credits", json::object{{"amount", 7}}, Admin(admin));
  ASSERT_EQ(top.status, 200) << Describe(top);
  EXPECT_EQ(c.Get("/v1/credits", ApiKey(secret)).object().at("balance").as_int64(), before + 7);
  // Revoking an old key works, and the event log (migration 7) records it.
  RevokeKey(c, as_alice, Str(KeyOf(m, "alice-publishable"), "id"));
  EXPECT_FALSE(Valid(c, Str(KeyOf(m, "alice-publishable"), "key")));
  Response events = c.Get("/v1/events?type=token.revoked", Admin(admin));
  ASSERT_EQ(events.status, 200) << Describe(events);
  EXPECT_FALSE(events.object().at("data").as_array().empty()) << Describe(events);
  // Usage (migration 8) answers for an old key's account.
  Response usage = c.Get("/v1/usage?granularity=day", ApiKey(secret));
  EXPECT_EQ(usage.status, 200) << Describe(usage);
  // Operators (migration 9) can be created on the upgraded store.
  CliResult op = node.RunCli([&] {
    std::vector<std::string> a = {"operators", "create", "--email", "ops@example.com"};
    for (auto& s : node.StoreArgs()) a.push_back(s);
    return a;
  }());
  EXPECT_EQ(op.exit_code, 0) << op.err;
}

}  // namespace keyward_it
