// Supervision of the keyward binary under test: see keyward_process.h.
#include "harness/keyward_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/strings.h"

extern char** environ;

namespace keyward_it {
namespace {

// The environment for children: ours without KEYWARD_* so the developer's settings do not leak in.
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "KEYWARD_", 8) == 0) continue;
    env.emplace_back(*e);
  }
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

uint16_t PickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
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

KeywardProcess::KeywardProcess(KeywardOptions options, std::string store_url)
    : store_url_(std::move(store_url)),
      binary_(options.binary.empty() ? std::string(KEYWARD_BINARY) : options.binary) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-it-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(ErrnoText("mkdtemp"));
  dir_ = tmpl;
  store_dir_ = options.store_dir.empty() ? dir_ : options.store_dir;
  if (!options.config_toml.empty()) {
    config_path_ = dir_ + "/keyward.toml";
    std::ofstream(config_path_) << options.config_toml;
  }
  if (options.create_admin_key) {
    std::vector<std::string> args = {"admin-key", "create"};
    for (auto& a : StoreArgs()) args.push_back(a);
    CliResult r = RunCli(args);
    if (r.exit_code != 0) {
      throw std::runtime_error("`keyward admin-key create` exited " + std::to_string(r.exit_code) +
                               "; stdout: " + r.out + "; stderr: " + r.err);
    }
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
      line = Trim(line);
      if (line.rfind("ak_", 0) == 0) {
        admin_key_ = line;
        break;
      }
    }
    if (admin_key_.empty()) {
      throw std::runtime_error("`keyward admin-key create` printed no ak_ line; stdout: " + r.out +
                               "; stderr: " + r.err);
    }
  }
  if (options.start) Start();
}

KeywardProcess::~KeywardProcess() {
  if (pid_ > 0) {
    if (Stop() != 0) Kill();
  }
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- keyward log tail (%s) ----\n%s\n---- end of log ----\n",
                 log_path().c_str(), LogTail().c_str());
  }
  const char* keep = std::getenv("KEYWARD_IT_KEEP");
  if (keep && std::string(keep) == "1") {
    std::fprintf(stderr, "keeping data dir %s\n", dir_.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::vector<std::string> KeywardProcess::Environment() const {
  std::vector<std::string> env = ChildEnvironment();
  if (!store_url_.empty()) env.push_back("KEYWARD_STORE_URL=" + store_url_);
  return env;
}

std::vector<std::string> KeywardProcess::StoreArgs() const {
  std::vector<std::string> a;
  if (store_url_.empty()) a = {"--data-dir", store_dir_};
  if (!config_path_.empty()) {
    a.push_back("--config");
    a.push_back(config_path_);
  }
  return a;
}

void KeywardProcess::Start() {
  if (pid_ > 0) throw std::runtime_error("Start(): already running");
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = PickFreePort();
    std::vector<std::string> argv = {binary_, "serve", "--listen",
                                     "127.0.0.1:" + std::to_string(port_)};
    for (auto& a : StoreArgs()) argv.push_back(a);
    std::vector<std::string> env = Environment();
    auto cargv = CStrings(argv);
    auto cenv = CStrings(env);
    std::string log = log_path();
    {
      std::ofstream(log, std::ios::app)
          << "==== harness: starting " << argv[0] << " serve on port " << port_ << " ====\n";
    }
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(ErrnoText("fork"));
    if (pid == 0) {
      // Die with the test process, so a crashed test leaves no orphaned server behind.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
      int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      if (out < 0 || in < 0) ::_exit(126);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      if (::chdir(dir_.c_str()) != 0) ::_exit(126);
      ::execve(cargv[0], cargv.data(), cenv.data());
      ::_exit(127);
    }
    pid_ = pid;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    if (WaitReady(deadline, &why)) return;
    if (pid_ > 0) {  // still running but not ready: give up
      Kill();
      break;
    }
    // It exited early (perhaps the port was taken meanwhile): try another port.
  }
  throw std::runtime_error("keyward serve did not become ready: " + why + "\n---- log tail ----\n" +
                           LogTail());
}

bool KeywardProcess::WaitReady(std::chrono::steady_clock::time_point deadline, std::string* why) {
  for (;;) {
    int status = 0;
    pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) {
      *why = "the server exited with status " + std::to_string(DecodeStatus(status)) +
             " before it was ready";
      pid_ = -1;
      return false;
    }
    try {
      HttpClient c(port_, std::chrono::seconds(2));
      Response r = c.Get("/healthz");
      if (r.status == 200) return true;
      *why = "GET /healthz answered " + Describe(r);
    } catch (const std::exception& e) {
      *why = std::string("GET /healthz failed: ") + e.what();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      *why = "no 200 from GET /healthz within 20 s; last: " + *why;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));  // readiness polling
  }
}

int KeywardProcess::WaitExit(std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) return DecodeStatus(status);
    if (w < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling for exit
  }
}

int KeywardProcess::Stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int st = WaitExit(std::chrono::seconds(30));
  if (st == -2) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    st = -1;
  }
  pid_ = -1;
  CheckSanitizerReports();
  return st;
}

void KeywardProcess::CheckSanitizerReports() const {
  // Under the asan preset the server reports memory errors, leaks and undefined behaviour in its
  // log (exit codes alone miss reports from a server that went on running).
  std::ifstream in(log_path());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("ERROR: AddressSanitizer") != std::string::npos ||
        line.find("ERROR: LeakSanitizer") != std::string::npos ||
        line.find("runtime error:") != std::string::npos) {
      ADD_FAILURE() << "sanitizer report in " << log_path() << ": " << line;
      return;
    }
  }
}

void KeywardProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void KeywardProcess::Signal(int sig) const {
  if (pid_ > 0) ::kill(pid_, sig);
}

int KeywardProcess::Restart() {
  int st = Stop();
  Start();
  return st;
}

CliResult KeywardProcess::RunCli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {binary_};
  for (const auto& a : args) argv.push_back(a);
  std::vector<std::string> env = Environment();
  auto cargv = CStrings(argv);
  auto cenv = CStrings(env);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error(ErrnoText("pipe2"));
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(ErrnoText("fork"));
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    if (in < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (::chdir(dir_.c_str()) != 0) ::_exit(126);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  CliResult result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool out_open = true, err_open = true, timed_out = false;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0}};
    int n = ::poll(p, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    char tmp[4096];
    for (int i = 0; i < 2; ++i) {
      if (p[i].fd < 0 || p[i].revents == 0) continue;
      ssize_t k = ::read(p[i].fd, tmp, sizeof tmp);
      if (k > 0) {
        (i == 0 ? result.out : result.err).append(tmp, static_cast<size_t>(k));
      } else if (k == 0 || (k < 0 && errno != EINTR)) {
        (i == 0 ? out_open : err_open) = false;
      }
    }
  }
  ::close(out[0]);
  ::close(err[0]);
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = timed_out ? -1 : DecodeStatus(status);
  return result;
}

std::string KeywardProcess::ReadLog() const {
  std::ifstream in(log_path(), std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string KeywardProcess::LogTail(size_t bytes) const {
  std::string log = ReadLog();
  if (log.size() > bytes) return "..." + log.substr(log.size() - bytes);
  return log;
}

}  // namespace keyward_it
