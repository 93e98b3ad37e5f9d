#include "caddy_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "documented_config.h"

namespace keyward_it {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string CaddyBinary() {
  if (const char* env = std::getenv("CADDY"); env && *env) return env;
  return "/usr/bin/caddy";
}

std::string DocumentedCaddyfile(uint16_t keyward_port, uint16_t api_port, uint16_t listen_port) {
  DocumentedConfig conf("caddy", "caddy", "Caddyfile");
  conf.ReplaceOnce("forward_auth 127.0.0.1:8080 {",
                   "forward_auth 127.0.0.1:" + std::to_string(keyward_port) + " {");
  conf.ReplaceOnce("reverse_proxy 127.0.0.1:9000",
                   "reverse_proxy 127.0.0.1:" + std::to_string(api_port));
  conf.ReplaceOnce("\n:80 {", "\nhttp://127.0.0.1:" + std::to_string(listen_port) + " {");
  return conf.text();
}

CaddyProcess::CaddyProcess(const std::string& caddyfile, uint16_t port) : port_(port) {
  const std::string binary = CaddyBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error(binary + " is missing: run scripts/install-deps (Debian's caddy)");
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-caddy-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::ofstream(dir_ + "/Caddyfile") << caddyfile;
  // Everything the child needs is built before fork (other threads may hold malloc's lock).
  const std::string conf = dir_ + "/Caddyfile", out = dir_ + "/caddy.log";
  const std::string home = "HOME=" + dir_, data = "XDG_DATA_HOME=" + dir_ + "/data",
                    config = "XDG_CONFIG_HOME=" + dir_ + "/config";
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(125);
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    char* const env[] = {const_cast<char*>(home.c_str()), const_cast<char*>(data.c_str()),
                         const_cast<char*>(config.c_str()), nullptr};
    ::execle(binary.c_str(), binary.c_str(), "run", "--config", conf.c_str(), "--adapter",
             "caddyfile", static_cast<char*>(nullptr), env);
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!LoopbackPortAccepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("caddy exited during start-up:\n" + Log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("caddy did not listen within 30 s:\n" + Log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // readiness polling
  }
}

CaddyProcess::~CaddyProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string CaddyProcess::Log() const {
  return ReadFile(dir_ + "/caddy.log");
}

}  // namespace keyward_it
