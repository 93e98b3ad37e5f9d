#include "nginx_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

std::string NginxBinary() {
  if (const char* env = std::getenv("NGINX"); env && *env) return env;
  return "/usr/sbin/nginx";
}

std::string DocumentedNginxConfig(uint16_t keyward_port, uint16_t api_port, uint16_t listen_port) {
  DocumentedConfig conf("nginx", "nginx", "nginx config");
  conf.ReplaceOnce("server 127.0.0.1:8080;",
                   "server 127.0.0.1:" + std::to_string(keyward_port) + ";");
  conf.ReplaceOnce("server 127.0.0.1:9000;", "server 127.0.0.1:" + std::to_string(api_port) + ";");
  conf.ReplaceOnce("listen 80;", "listen 127.0.0.1:" + std::to_string(listen_port) + ";");
  return conf.text();
}

NginxProcess::NginxProcess(const std::string& http_block, uint16_t port) : port_(port) {
  const std::string binary = NginxBinary();
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error(binary + " is missing: run scripts/install-deps (Debian's nginx)");
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "keyward-nginx-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::ofstream(dir_ + "/nginx.conf")
      << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir_
      << "/nginx.pid;\nerror_log " << dir_ << "/error.log info;\n"
      << "events { worker_connections 1024; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << dir_ << "/body;\n  proxy_temp_path " << dir_
      << "/proxy;\n  fastcgi_temp_path " << dir_ << "/fastcgi;\n  uwsgi_temp_path " << dir_
      << "/uwsgi;\n  scgi_temp_path " << dir_ << "/scgi;\n"
      << http_block << "\n}\n";
  // Everything the child needs is built before fork (other threads may hold malloc's lock).
  const std::string conf = dir_ + "/nginx.conf", err = dir_ + "/error.log";
  const std::string out = dir_ + "/stdout.log";
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
    ::execl(binary.c_str(), binary.c_str(), "-p", dir_.c_str(), "-c", conf.c_str(), "-e",
            err.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!LoopbackPortAccepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited during start-up:\n" + ReadFile(dir_ + "/stdout.log") +
                               ErrorLog());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("nginx did not listen within 20 s:\n" + ErrorLog());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // readiness polling
  }
}

NginxProcess::~NginxProcess() {
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

std::string NginxProcess::ErrorLog() const {
  return ReadFile(dir_ + "/error.log");
}

}  // namespace keyward_it
