#include "harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace keyward_it {
namespace {

// A test process writes to sockets and pipes whose peer may be gone; never die of SIGPIPE.
const bool kIgnoreSigpipe = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

std::string ErrnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

std::mt19937_64& Rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

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

// Sends everything; 0 or the errno of the failure.
int SendBytes(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Response
// ---------------------------------------------------------------------------------------------

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Response::header_values(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) out.push_back(v);
  }
  return out;
}

boost::json::value Response::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) throw std::runtime_error("response body is not JSON (" + ec.message() + "): " + Describe(*this));
  return v;
}

boost::json::object Response::object() const {
  auto v = json();
  if (!v.is_object()) throw std::runtime_error("response body is not a JSON object: " + Describe(*this));
  return v.as_object();
}

std::string Describe(const Response& r) {
  std::ostringstream os;
  os << "HTTP " << r.status << " " << r.reason << " [";
  bool first = true;
  for (const auto& [k, v] : r.headers) {
    os << (first ? "" : "; ") << k << ": " << v;
    first = false;
  }
  os << "] body: ";
  if (r.body.size() > 2000) {
    os << r.body.substr(0, 2000) << "...(" << r.body.size() << " bytes)";
  } else {
    os << r.body;
  }
  return os.str();
}

int64_t IntHeader(const Response& r, std::string_view name) {
  auto v = r.header(name);
  if (!v) throw std::runtime_error("missing header " + std::string(name) + ": " + Describe(r));
  size_t pos = 0;
  int64_t n = std::stoll(*v, &pos);
  if (pos != v->size()) {
    throw std::runtime_error("header " + std::string(name) + " is not an integer: " + *v);
  }
  return n;
}

void ExpectEachRateLimitHeaderOnce(const Response& r) {
  for (const char* h : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                        "RateLimit-Policy", "RateLimit"}) {
    EXPECT_EQ(r.header_values(h).size(), 1u) << h << " in " << Describe(r);
  }
}

// ---------------------------------------------------------------------------------------------
// HttpClient
// ---------------------------------------------------------------------------------------------

HttpClient::HttpClient(uint16_t port, std::chrono::milliseconds timeout) : port_(port), timeout_(timeout) {}

HttpClient::~HttpClient() { Close(); }

HttpClient::HttpClient(HttpClient&& other) noexcept
    : port_(other.port_),
      timeout_(other.timeout_),
      fd_(other.fd_),
      buf_(std::move(other.buf_)),
      connections_opened_(other.connections_opened_),
      reused_(other.reused_) {
  other.fd_ = -1;
}

void HttpClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buf_.clear();
  reused_ = false;
}

void HttpClient::Connect() {
  Close();
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(ErrnoText("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port_);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::string e = ErrnoText("connect");
    ::close(fd);
    throw std::runtime_error(e + " (port " + std::to_string(port_) + ")");
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
  ++connections_opened_;
}

void HttpClient::SendAll(std::string_view bytes) {
  int err = SendBytes(fd_, bytes);
  if (err == EAGAIN || err == EWOULDBLOCK) throw std::runtime_error("send timed out");
  if (err != 0) throw std::runtime_error(std::string("send: ") + std::strerror(err));
}

bool HttpClient::SendRaw(std::string_view bytes) {
  if (fd_ < 0) Connect();
  int err = SendBytes(fd_, bytes);
  if (err == 0) return true;
  if (err == EPIPE || err == ECONNRESET) return false;
  if (err == EAGAIN || err == EWOULDBLOCK) throw std::runtime_error("send timed out");
  throw std::runtime_error(std::string("send: ") + std::strerror(err));
}

bool HttpClient::Fill() {
  if (fd_ < 0) return false;
  char tmp[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n > 0) {
      buf_.append(tmp, static_cast<size_t>(n));
      return true;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      throw std::runtime_error("timed out after " + std::to_string(timeout_.count()) +
                               " ms waiting for the server's response");
    }
    if (errno == ECONNRESET) return false;
    throw std::runtime_error(ErrnoText("recv"));
  }
}

Response HttpClient::ParseOne() {
  for (;;) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        throw std::runtime_error("connection closed before a complete response header (" +
                                 std::to_string(buf_.size()) + " bytes received)");
      }
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    Response r;
    std::istringstream lines(head);
    std::string line;
    std::getline(lines, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    // HTTP/1.1 200 OK
    if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) {
      throw std::runtime_error("malformed status line: " + line);
    }
    r.status = std::stoi(line.substr(9, 3));
    r.reason = line.size() > 13 ? line.substr(13) : "";
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) throw std::runtime_error("malformed header line: " + line);
      r.headers.emplace_back(line.substr(0, colon), Trim(std::string_view(line).substr(colon + 1)));
    }
    if (r.status >= 100 && r.status < 200) continue;  // interim response

    auto te = r.header("Transfer-Encoding");
    auto cl = r.header("Content-Length");
    if (te && te->find("chunked") != std::string::npos) {
      for (;;) {
        size_t eol;
        while ((eol = buf_.find("\r\n")) == std::string::npos) {
          if (!Fill()) throw std::runtime_error("connection closed inside a chunk size line");
        }
        std::string size_line = buf_.substr(0, eol);
        size_t semi = size_line.find(';');
        if (semi != std::string::npos) size_line.resize(semi);
        size_t size = std::stoul(Trim(size_line), nullptr, 16);
        buf_.erase(0, eol + 2);
        if (size == 0) {
          // trailers, then an empty line
          for (;;) {
            while ((eol = buf_.find("\r\n")) == std::string::npos) {
              if (!Fill()) throw std::runtime_error("connection closed inside chunked trailers");
            }
            bool empty = eol == 0;
            buf_.erase(0, eol + 2);
            if (empty) break;
          }
          break;
        }
        while (buf_.size() < size + 2) {
          if (!Fill()) throw std::runtime_error("connection closed inside a chunk");
        }
        r.body.append(buf_, 0, size);
        buf_.erase(0, size + 2);
      }
    } else if (cl) {
      size_t n = std::stoul(*cl);
      while (buf_.size() < n) {
        if (!Fill()) {
          throw std::runtime_error("connection closed after " + std::to_string(buf_.size()) + " of " +
                                   std::to_string(n) + " body bytes");
        }
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else if (r.status == 204 || r.status == 304) {
      // no body
    } else {
      while (Fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
      Close();
      return r;
    }
    auto conn = r.header("Connection");
    if (conn && IEquals(Trim(*conn), "close")) {
      Close();
    } else {
      reused_ = true;
    }
    return r;
  }
}

Response HttpClient::ReadResponse() {
  if (fd_ < 0 && buf_.empty()) throw std::runtime_error("ReadResponse on a closed connection");
  return ParseOne();
}

std::optional<Response> HttpClient::TryReadResponse() {
  if (buf_.empty()) {
    if (fd_ < 0) return std::nullopt;
    if (!Fill()) {
      Close();
      return std::nullopt;
    }
  }
  return ParseOne();
}

bool HttpClient::PeerClosed(std::chrono::milliseconds wait) {
  if (fd_ < 0) return true;
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (n <= 0) return false;
  char c;
  ssize_t r = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (r == 0 || (r < 0 && errno == ECONNRESET)) return true;
  return false;
}

Response HttpClient::Request(std::string_view method, std::string_view target, const Headers& headers,
                             std::optional<std::string> body) {
  std::string req;
  req.reserve(256 + (body ? body->size() : 0));
  req.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  bool has_host = false, has_ct = false;
  for (const auto& [k, v] : headers) {
    if (IEquals(k, "Host")) has_host = true;
    if (IEquals(k, "Content-Type")) has_ct = true;
  }
  if (!has_host) req.append("Host: 127.0.0.1:").append(std::to_string(port_)).append("\r\n");
  for (const auto& [k, v] : headers) req.append(k).append(": ").append(v).append("\r\n");
  if (body) {
    if (!has_ct) req.append("Content-Type: application/json\r\n");
    req.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
  }
  req.append("\r\n");
  if (body) req.append(*body);

  for (int attempt = 0;; ++attempt) {
    if (fd_ < 0) Connect();
    const bool was_reused = reused_;
    SendRaw(req);  // even when the server stopped reading, it may have answered (413, 431)
    std::optional<Response> r = TryReadResponse();
    if (r) return std::move(*r);
    Close();
    if (was_reused && attempt == 0) continue;  // an idle keep-alive connection the server closed
    throw std::runtime_error("connection closed by the server before any response to " +
                             std::string(method) + " " + std::string(target));
  }
}

Response HttpClient::Get(std::string_view target, const Headers& headers) {
  return Request("GET", target, headers);
}

Response HttpClient::Post(std::string_view target, const boost::json::value& body, const Headers& headers) {
  return Request("POST", target, headers, boost::json::serialize(body));
}

Response HttpClient::PostRaw(std::string_view target, std::string body, const Headers& headers) {
  return Request("POST", target, headers, std::move(body));
}

Response HttpClient::Delete(std::string_view target, const Headers& headers) {
  return Request("DELETE", target, headers);
}

// ---------------------------------------------------------------------------------------------
// KeywardProcess
// ---------------------------------------------------------------------------------------------

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
    : store_url_(std::move(store_url)) {
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
    std::fprintf(stderr, "---- keyward log tail (%s) ----\n%s\n---- end of log ----\n", log_path().c_str(),
                 LogTail().c_str());
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
    std::vector<std::string> argv = {KEYWARD_BINARY, "serve", "--listen", "127.0.0.1:" + std::to_string(port_)};
    for (auto& a : StoreArgs()) argv.push_back(a);
    std::vector<std::string> env = Environment();
    auto cargv = CStrings(argv);
    auto cenv = CStrings(env);
    std::string log = log_path();
    {
      std::ofstream(log, std::ios::app) << "==== harness: starting " << argv[0] << " serve on port " << port_
                                        << " ====\n";
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
  throw std::runtime_error("keyward serve did not become ready: " + why + "\n---- log tail ----\n" + LogTail());
}

bool KeywardProcess::WaitReady(std::chrono::steady_clock::time_point deadline, std::string* why) {
  for (;;) {
    int status = 0;
    pid_t w = ::waitpid(pid_, &status, WNOHANG);
    if (w == pid_) {
      *why = "the server exited with status " + std::to_string(DecodeStatus(status)) + " before it was ready";
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
  std::vector<std::string> argv = {KEYWARD_BINARY};
  for (const auto& a : args) argv.push_back(a);
  std::vector<std::string> env = Environment();
  auto cargv = CStrings(argv);
  auto cenv = CStrings(env);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error(ErrnoText("pipe2"));
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
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
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

// ---------------------------------------------------------------------------------------------
// Keys, JSON, API helpers
// ---------------------------------------------------------------------------------------------

uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::string EncodeBase62Fixed(uint64_t value, size_t width) {
  std::string out(width, '0');
  for (size_t i = width; i-- > 0;) {
    out[i] = kBase62[value % 62];
    value /= 62;
  }
  return out;
}

std::string RandomBase62(size_t n) {
  std::uniform_int_distribution<size_t> d(0, 61);
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(kBase62[d(Rng())]);
  return s;
}

std::string MakeWellFormedKey(std::string_view prefix) {
  std::string k = std::string(prefix) + RandomBase62(32);
  return k + EncodeBase62Fixed(Crc32(k), 6);
}

bool ChecksumValid(std::string_view key) {
  if (key.size() < 7) return false;
  auto head = key.substr(0, key.size() - 6);
  return EncodeBase62Fixed(Crc32(head), 6) == key.substr(key.size() - 6);
}

std::string FlipChar(std::string key, size_t index) {
  char c = key.at(index);
  auto pos = kBase62.find(c);
  key[index] = kBase62[(pos == std::string_view::npos ? 0 : pos + 1) % 62];
  return key;
}

int64_t Now() {
  // Not time(): glibc answers it from the coarse clock, which may lag the server's clock by a tick.
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

bool Matches(std::string_view text, std::string_view regex) {
  return std::regex_match(std::string(text), std::regex(std::string(regex)));
}

std::set<std::string> Keys(const boost::json::object& o) {
  std::set<std::string> out;
  for (const auto& kv : o) out.insert(std::string(kv.key()));
  return out;
}

bool IsInteger(const boost::json::value& v) { return v.is_int64() || v.is_uint64(); }

int64_t AsInt(const boost::json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.as_uint64());
  throw std::runtime_error("expected an integer, got " + boost::json::serialize(v));
}

std::string AsString(const boost::json::value& v) {
  if (!v.is_string()) throw std::runtime_error("expected a string, got " + boost::json::serialize(v));
  return std::string(v.as_string());
}

std::vector<std::string> StringList(const boost::json::value& v) {
  if (!v.is_array()) throw std::runtime_error("expected an array, got " + boost::json::serialize(v));
  std::vector<std::string> out;
  for (const auto& e : v.as_array()) out.push_back(AsString(e));
  return out;
}

::testing::AssertionResult IsError(const Response& r, int status, std::string_view code,
                                   std::optional<std::string_view> param) {
  auto fail = [&](const std::string& what) {
    return ::testing::AssertionFailure() << "expected " << status << " " << code
                                         << (param ? " param=" + std::string(*param) : std::string()) << ": "
                                         << what << "\n  got " << Describe(r);
  };
  if (r.status != status) return fail("wrong status");
  auto ct = r.header("Content-Type");
  if (!ct || ct->find("application/json") == std::string::npos) return fail("Content-Type is not application/json");
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return fail("body is not a JSON object");
  const auto& o = v.as_object();
  if (Keys(o) != std::set<std::string>{"error"}) return fail("body must have exactly one member, \"error\"");
  if (!o.at("error").is_object()) return fail("\"error\" is not an object");
  const auto& e = o.at("error").as_object();
  for (const auto& k : Keys(e)) {
    if (k != "status" && k != "code" && k != "message" && k != "request_id" && k != "param")
      return fail("unexpected member error." + k);
  }
  for (const char* k : {"status", "code", "message", "request_id"}) {
    if (!e.contains(k)) return fail(std::string("missing error.") + k);
  }
  if (!IsInteger(e.at("status")) || AsInt(e.at("status")) != status) return fail("error.status differs");
  if (!e.at("code").is_string() || e.at("code").as_string() != code) return fail("error.code differs");
  if (!e.at("message").is_string() || e.at("message").as_string().empty()) return fail("error.message empty");
  if (!e.at("request_id").is_string()) return fail("error.request_id not a string");
  std::string rid(e.at("request_id").as_string());
  if (!Matches(rid, "req_[0-9A-Za-z]{24}")) return fail("request_id is not req_ + 24 base62");
  auto hid = r.header("X-Request-Id");
  if (!hid || *hid != rid) return fail("X-Request-Id header differs from error.request_id");
  if (e.contains("param") && !e.at("param").is_string()) return fail("error.param is not a string");
  if (param) {
    if (!e.contains("param")) return fail("error.param missing");
    if (e.at("param").as_string() != *param) return fail("error.param differs");
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOk(const Response& r) {
  if (r.status != 200) return ::testing::AssertionFailure() << "expected 200, got " << Describe(r);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return ::testing::AssertionFailure() << "body is not a JSON object: " << Describe(r);
  return ::testing::AssertionSuccess();
}

Headers Admin(const std::string& admin_key) { return {{"x-api-key", admin_key}}; }

Headers AdminFor(const std::string& admin_key, const std::string& account) {
  return {{"x-api-key", admin_key}, {"Keyward-Account", account}};
}

Headers ApiKey(const std::string& key) { return {{"x-api-key", key}}; }

Headers Bearer(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

Headers Join(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::string UniqueEmail() {
  static std::atomic<int> n{0};
  return "user-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" + RandomBase62(6) + "@example.com";
}

std::string CreateAccount(HttpClient& c, const std::string& admin_key, boost::json::object body) {
  if (!body.contains("email")) body["email"] = UniqueEmail();
  if (!body.contains("name")) body["name"] = "Test Account";
  Response r = c.Post("/v1/accounts", body, Admin(admin_key));
  if (r.status != 200) throw std::runtime_error("CreateAccount: " + Describe(r));
  auto o = r.object();
  if (!o.contains("id") || !o.at("id").is_string() || o.at("id").as_string().subview().substr(0, 5) != "acct_") {
    throw std::runtime_error("CreateAccount: no acct_ id in " + Describe(r));
  }
  return AsString(o.at("id"));
}

namespace {
CreatedKey KeyFrom(const Response& r, const char* what) {
  if (r.status != 200) throw std::runtime_error(std::string(what) + ": " + Describe(r));
  CreatedKey k;
  k.token = r.object();
  if (!k.token.contains("id") || !k.token.at("id").is_string() || !k.token.contains("key") ||
      !k.token.at("key").is_string()) {
    throw std::runtime_error(std::string(what) + ": no id/key in " + Describe(r));
  }
  k.id = AsString(k.token.at("id"));
  k.key = AsString(k.token.at("key"));
  return k;
}
}  // namespace

CreatedKey CreateKey(HttpClient& c, const Headers& auth, boost::json::object body) {
  if (!body.contains("name")) body["name"] = "test key";
  return KeyFrom(c.Post("/v1/tokens", body, auth), "CreateKey");
}

CreatedKey RollKey(HttpClient& c, const Headers& auth, const std::string& token_id,
                   std::optional<int64_t> expires_in_seconds) {
  boost::json::object body;
  if (expires_in_seconds) body["expires_in_seconds"] = *expires_in_seconds;
  return KeyFrom(c.Post("/v1/tokens/" + token_id + "/roll", body, auth), "RollKey");
}

void RevokeKey(HttpClient& c, const Headers& auth, const std::string& token_id) {
  Response r = c.Post("/v1/tokens/" + token_id + "/revoke", boost::json::object{}, auth);
  if (r.status != 200) throw std::runtime_error("RevokeKey: " + Describe(r));
}

Response Auth(HttpClient& c, const std::string& key, std::string_view method, std::string_view uri,
              const Headers& extra) {
  Headers h;
  if (!key.empty()) h.emplace_back("x-api-key", key);
  h.emplace_back("X-Original-Method", std::string(method));
  h.emplace_back("X-Original-URI", std::string(uri));
  return c.Get("/v1/auth", Join(h, extra));
}

Response Verify(HttpClient& c, const std::string& key, std::string_view method, std::string_view path,
                const Headers& extra) {
  boost::json::object body{{"key", key}, {"method", method}, {"path", path}};
  return c.Post("/v1/keys/verify", body, extra);
}

bool PollUntil(const std::function<bool()>& probe, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (probe()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polling an eventual state
  }
}

// ---------------------------------------------------------------------------------------------
// Access tokens, header values, ISO-8601 times
// ---------------------------------------------------------------------------------------------

std::optional<int64_t> ParseIsoUtc(std::string_view text) {
  static const std::regex kIso(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z)");
  std::smatch m;
  std::string s(text);
  if (!std::regex_match(s, m, kIso)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<int64_t>(::timegm(&tm));
}

MintedToken MintAccessToken(HttpClient& c, const Headers& auth, std::optional<int64_t> expiry_minutes) {
  boost::json::object body;
  if (expiry_minutes) body["expiry_minutes"] = *expiry_minutes;
  Response r = c.Post("/v1/token", body, auth);
  if (r.status != 200) throw std::runtime_error("MintAccessToken: " + Describe(r));
  MintedToken t;
  t.body = r.object();
  if (!t.body.contains("access_token") || !t.body.at("access_token").is_string() || !t.body.contains("expires_at") ||
      !t.body.at("expires_at").is_string()) {
    throw std::runtime_error("MintAccessToken: no access_token/expires_at string in " + Describe(r));
  }
  t.token = AsString(t.body.at("access_token"));
  t.expires_at = AsString(t.body.at("expires_at"));
  auto unix = ParseIsoUtc(t.expires_at);
  if (!unix) throw std::runtime_error("MintAccessToken: expires_at is not YYYY-MM-DDTHH:MM:SSZ: " + Describe(r));
  t.expires_unix = *unix;
  return t;
}

Response CheckAccessToken(HttpClient& c, const Headers& auth, const std::string& token) {
  return c.Post("/v1/token/verify", boost::json::object{{"access_token", token}}, auth);
}

bool HeaderTrue(const std::optional<std::string>& v) { return v && (*v == "true" || *v == "1"); }
bool HeaderFalse(const std::optional<std::string>& v) { return v && (*v == "false" || *v == "0"); }

std::set<std::string> PermissionSet(const std::string& header) {
  std::set<std::string> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string::npos) comma = header.size();
    std::string part = Trim(std::string_view(header).substr(start, comma - start));
    if (!part.empty()) out.insert(part);
    start = comma + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SharedServerTest
// ---------------------------------------------------------------------------------------------

std::unique_ptr<KeywardProcess> SharedServerTest::shared_;
std::string SharedServerTest::start_error_;

void SharedServerTest::StartShared(KeywardOptions options) {
  shared_.reset();
  start_error_.clear();
  try {
    shared_ = std::make_unique<KeywardProcess>(std::move(options));
  } catch (const std::exception& e) {
    start_error_ = e.what();
  }
}

void SharedServerTest::StopShared() {
  if (shared_ && shared_->running()) {
    int st = shared_->Stop();
    if (st != 0) std::fprintf(stderr, "shared keyward server exited with status %d\n", st);
  }
  shared_.reset();
}

void SharedServerTest::SetUp() {
  ASSERT_TRUE(shared_) << "the shared keyward server did not start: " << start_error_;
  ASSERT_TRUE(shared_->running()) << "the shared keyward server is not running";
  client_ = std::make_unique<HttpClient>(shared_->port());
}

void SharedServerTest::TearDown() {
  client_.reset();
  if (HasFailure() && shared_) {
    std::fprintf(stderr, "---- keyward log tail (%s) ----\n%s\n---- end of log ----\n",
                 shared_->log_path().c_str(), shared_->LogTail().c_str());
  }
}

}  // namespace keyward_it
