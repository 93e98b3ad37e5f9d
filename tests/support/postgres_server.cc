#include "postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace keyward_test {
namespace {

constexpr char kDefaultBinDir[] = "/usr/lib/postgresql/15/bin";
constexpr char kSuperuser[] = "keyward";

std::string ErrnoText(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

struct RunAs {
  bool drop = false;  // running as root: become `postgres`
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs Account() {
  RunAs as;
  if (::geteuid() != 0) return as;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    throw std::runtime_error(
        "running as root, but there is no `postgres` account to run PostgreSQL as (it comes with "
        "Debian's postgresql package: run scripts/install-deps)");
  }
  as.drop = true;
  as.uid = pw->pw_uid;
  as.gid = pw->pw_gid;
  return as;
}

// In a forked child: become the unprivileged account, then exec. Never returns.
[[noreturn]] void ExecAs(const RunAs& as, int log_fd, std::vector<std::string> argv, pid_t parent,
                         bool die_with_parent) {
  int in = ::open("/dev/null", O_RDONLY);
  if (in < 0 || log_fd < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  if (as.drop) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(as.gid) != 0 || ::setuid(as.uid) != 0) {
      ::_exit(125);
    }
  }
  if (die_with_parent) {
    // Set after setuid (a credential change clears it). SIGQUIT: the postmaster takes its
    // backends down with it.
    ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (::getppid() != parent) ::_exit(124);
  }
  std::vector<char*> args;
  for (std::string& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error(ErrnoText("bind"));
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// waitpid with a deadline; the exit status, or nullopt-like -1000 on time-out.
int WaitFor(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (w < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1000;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's exit
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

void PostgresServer::Prepare() {
  const char* env_bin = std::getenv("KEYWARD_PG_BINDIR");
  bin_ = env_bin != nullptr && *env_bin != '\0' ? env_bin : kDefaultBinDir;
  for (const char* tool : {"initdb", "postgres"}) {
    const std::string path = bin_ + "/" + tool;
    if (::access(path.c_str(), X_OK) != 0) {
      throw std::runtime_error("PostgreSQL binary " + path +
                               " is missing: install PostgreSQL 15 (scripts/install-deps)");
    }
  }
  const RunAs as = Account();
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-pg-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(ErrnoText("mkdtemp"));
  dir_ = tmpl;
  if (as.drop && ::chown(dir_.c_str(), as.uid, as.gid) != 0) {
    throw std::runtime_error(ErrnoText("chown " + dir_));
  }
}

PostgresServer::PostgresServer() {
  Prepare();
  const RunAs as = Account();
  const std::string log = dir_ + "/initdb.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(ErrnoText("fork"));
  if (pid == 0) {
    ExecAs(
        as, log_fd,
        {bin_ + "/initdb", "-D", dir_ + "/data", "-U", kSuperuser, "--auth-local=trust",
         "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"},
        parent, /*die_with_parent=*/false);
  }
  if (log_fd >= 0) ::close(log_fd);
  const int st = WaitFor(pid, std::chrono::seconds(120));
  if (st != 0) {
    if (st == -1000) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("initdb failed (status " + std::to_string(st) + "): " + ReadFile(log));
  }
  StartOnFreePort();
}

PostgresServer::PostgresServer(StandbyOf standby) {
  Prepare();
  const RunAs as = Account();
  const std::string log = dir_ + "/basebackup.log";
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(ErrnoText("fork"));
  if (pid == 0) {
    ExecAs(as, log_fd,
           {bin_ + "/pg_basebackup", "-D", dir_ + "/data", "-R", "-X", "stream", "--no-sync",
            "--checkpoint=fast", "-h", standby.primary.dir(), "-p",
            std::to_string(standby.primary.port()), "-U", kSuperuser},
           parent, /*die_with_parent=*/false);
  }
  if (log_fd >= 0) ::close(log_fd);
  const int st = WaitFor(pid, std::chrono::seconds(120));
  if (st != 0) {
    if (st == -1000) ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("pg_basebackup failed (status " + std::to_string(st) +
                             "): " + ReadFile(log));
  }
  StartOnFreePort();
}

void PostgresServer::Promote() const {
  Exec("SELECT pg_promote(true, 30)");
}

void PostgresServer::StartOnFreePort() {
  // A port taken between picking and binding makes postgres exit: try another.
  for (int attempt = 0;; ++attempt) {
    port_ = FreePort();
    try {
      Start();
      return;
    } catch (const std::exception&) {
      if (attempt == 2 || running()) throw;
    }
  }
}

PostgresServer::~PostgresServer() {
  Stop();
  const char* keep = std::getenv("KEYWARD_IT_KEEP");
  if (keep != nullptr && std::string(keep) == "1") {
    std::fprintf(stderr, "keeping PostgreSQL dir %s\n", dir_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void PostgresServer::Start() {
  if (pid_ > 0) throw std::runtime_error("PostgresServer::Start: already running");
  Launch();
  WaitReady();
}

void PostgresServer::Launch() {
  const RunAs as = Account();
  const std::string log = dir_ + "/postgres.log";
  {
    std::ofstream(log, std::ios::app)
        << "==== test harness: starting postgres on port " << port_ << " ====\n";
  }
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(ErrnoText("fork"));
  if (pid == 0) {
    ExecAs(as, log_fd,
           {bin_ + "/postgres",
            "-D",
            dir_ + "/data",
            "-k",
            dir_,
            "-h",
            "127.0.0.1",
            "-p",
            std::to_string(port_),
            "-c",
            "fsync=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "synchronous_commit=on",
            "-c",
            "shared_buffers=16MB",
            "-c",
            "max_connections=100",
            "-c",
            "logging_collector=off"},
           parent, /*die_with_parent=*/true);
  }
  if (log_fd >= 0) ::close(log_fd);
  pid_ = pid;
}

void PostgresServer::WaitReady() {
  const std::string conninfo = "host=" + dir_ + " port=" + std::to_string(port_) +
                               " user=" + kSuperuser + " dbname=postgres connect_timeout=5";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("postgres exited before it was ready:\n" + LogTail());
    }
    if (PQping(conninfo.c_str()) == PQPING_OK) return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("postgres did not accept connections within 30 s:\n" + LogTail());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // readiness polling
  }
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGINT);  // fast shutdown: abort transactions, disconnect clients, checkpoint
  if (WaitFor(pid_, std::chrono::seconds(30)) == -1000) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

std::string PostgresServer::Url(const std::string& db, const std::string& user,
                                const std::string& password) const {
  std::string url = "postgres://" + user;
  if (!password.empty()) url += ":" + password;
  return url + "@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

namespace {

// Runs `sql` as the superuser over the unix socket; returns the rows as Query() describes.
std::string RunSql(const std::string& dir, uint16_t port, const std::string& sql,
                   const std::string& db) {
  const std::string conninfo = "host=" + dir + " port=" + std::to_string(port) +
                               " user=" + kSuperuser + " dbname=" + db + " connect_timeout=10";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string e = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the test PostgreSQL: " + e);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  std::string error = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? "" : PQerrorMessage(conn);
  std::string out;
  if (error.empty() && st == PGRES_TUPLES_OK) {
    for (int row = 0; row < PQntuples(r); ++row) {
      if (row > 0) out += '\n';
      for (int col = 0; col < PQnfields(r); ++col) {
        if (col > 0) out += '|';
        if (!PQgetisnull(r, row, col)) out += PQgetvalue(r, row, col);
      }
    }
  }
  PQclear(r);
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error("test PostgreSQL refused `" + sql + "`: " + error);
  return out;
}

}  // namespace

void PostgresServer::Exec(const std::string& sql, const std::string& db) const {
  (void)RunSql(dir_, port_, sql, db);
}

std::string PostgresServer::Query(const std::string& sql, const std::string& db) const {
  return RunSql(dir_, port_, sql, db);
}

PostgresServer::Database PostgresServer::CreateDatabase() {
  Database db;
  const std::string n = std::to_string(++databases_);
  db.name = "keyward_test_" + n;
  db.user = "keyward_owner_" + n;
  db.password = "pw-" + n + "-secret";
  db.url = Url(db.name, db.user, db.password);
  // The names are ours (no quoting needed); the password is a literal.
  Exec("CREATE ROLE " + db.user + " LOGIN PASSWORD '" + db.password + "'");
  Exec("CREATE DATABASE " + db.name + " OWNER " + db.user);
  return db;
}

std::string PostgresServer::LogTail(size_t bytes) const {
  std::string log = ReadFile(dir_ + "/postgres.log");
  if (log.size() > bytes) return "..." + log.substr(log.size() - bytes);
  return log;
}

PostgresServer& SharedPostgresServer() {
  static std::unique_ptr<PostgresServer> server = std::make_unique<PostgresServer>();
  return *server;
}

}  // namespace keyward_test
