#include "redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

namespace keyward_test {
namespace {

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string FindBinary() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  dirs += ":/usr/bin:/usr/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  throw std::runtime_error(
      "redis-server is not installed (scripts/install-deps installs Debian's redis-server)");
}

}  // namespace

RedisServer::RedisServer() : RedisServer(RedisServerOptions{}) {}

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-redis-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = FreePort();
  if (options_.tls) {
    do {
      tls_port_ = FreePort();
    } while (tls_port_ == port_);
    MakeCertificates();
  }
  Start();
}

void RedisServer::MakeCertificates() {
  // Quiet openssl runs in the temporary directory; any failure fails the test that asked for TLS.
  const std::string d = "'" + dir_ + "'";
  const std::string steps[] = {
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=keyward-test-ca -keyout " + d +
          "/ca.key -out " + d + "/ca.crt",
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=keyward-other-ca -keyout " + d +
          "/other-ca.key -out " + d + "/other-ca.crt",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout " + d + "/server.key -out " +
          d + "/server.csr",
      "printf 'subjectAltName=DNS:localhost\\n' > " + d + "/server.ext",
      "openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + d + "/ca.crt -CAkey " + d +
          "/ca.key -CAcreateserial -extfile " + d + "/server.ext -out " + d + "/server.crt",
  };
  for (const std::string& step : steps) {
    const std::string cmd = step + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      throw std::runtime_error("making the test certificates failed: " + step);
    }
  }
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void RedisServer::Start() {
  if (pid_ > 0) return;
  const std::string binary = FindBinary();
  const std::string port = std::to_string(port_);
  const std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {binary, "--port",       port, "--bind", "127.0.0.1", "--save",
                                   "",     "--appendonly", "no", "--dir",  dir_,        "--logfile",
                                   log,    "--daemonize",  "no"};
  if (options_.tls) {
    for (const std::string& a :
         {std::string("--tls-port"), std::to_string(tls_port_), std::string("--tls-cert-file"),
          dir_ + "/server.crt", std::string("--tls-key-file"), dir_ + "/server.key",
          std::string("--tls-ca-cert-file"), dir_ + "/ca.crt", std::string("--tls-auth-clients"),
          std::string("no")}) {
      args.push_back(a);
    }
  }
  for (const std::string& a : options_.extra_args) args.push_back(a);
  if (!options_.sentinel_config.empty()) {
    const std::string conf = dir_ + "/sentinel.conf";
    if (!std::filesystem::exists(conf)) {  // a restart keeps what the sentinel learnt
      FILE* f = std::fopen(conf.c_str(), "w");
      if (!f) throw std::runtime_error("cannot write " + conf);
      std::fputs(options_.sentinel_config.c_str(), f);
      std::fclose(f);
    }
    args.insert(args.begin() + 1, conf);
    args.insert(args.begin() + 2, "--sentinel");
    // A sentinel takes no persistence directives.
    for (size_t i = 0; i + 1 < args.size();) {
      if (args[i] == "--save" || args[i] == "--appendonly") {
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i),
                   args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      } else {
        ++i;
      }
    }
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start (port " + port + "); see " + log);
    }
    try {
      if (Command("PING") == "+PONG") return;
    } catch (const std::exception&) {
    }
    if (std::chrono::steady_clock::now() > deadline) {
      Stop();
      throw std::runtime_error("redis-server did not answer PING within 10 s on port " + port);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // readiness polling
  }
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

std::string RedisServer::Command(const std::string& inline_command) const {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to redis-server");
  }
  const std::string line = inline_command + "\r\n";
  if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size())) {
    ::close(fd);
    throw std::runtime_error("send to redis-server failed");
  }
  std::string reply;
  char c;
  while (::recv(fd, &c, 1, 0) == 1) {
    if (c == '\n') break;
    if (c != '\r') reply += c;
  }
  ::close(fd);
  if (reply.empty()) throw std::runtime_error("no reply from redis-server");
  return reply;
}

std::string RedisServer::CommandLines(const std::string& inline_command, int ms) const {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval tv{0, ms * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot connect to redis-server");
  }
  const std::string line = inline_command + "\r\n";
  (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // quiet for `ms` (the reply is whole) or closed
    raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::string out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find("\r\n", start);
    if (end == std::string::npos) end = raw.size();
    const std::string piece = raw.substr(start, end - start);
    if (!piece.empty() && piece[0] != '$' && piece[0] != '*') {
      if (!out.empty()) out += '\n';
      out += piece;
    }
    start = end + 2;
  }
  return out;
}

}  // namespace keyward_test
