#include "documented_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace keyward_it {

DocumentedConfig::DocumentedConfig(const std::string& name, const std::string& lang,
                                   std::string what)
    : what_(std::move(what)) {
  std::ifstream in(std::string(KEYWARD_SOURCE_DIR) + "/docs/operations.md");
  std::ostringstream s;
  s << in.rdbuf();
  const std::string doc = s.str();
  const std::string begin = "<!-- " + name + "-config-begin -->\n```" + lang + "\n";
  const std::string end = "```\n<!-- " + name + "-config-end -->";
  const size_t b = doc.find(begin);
  const size_t e = b == std::string::npos ? b : doc.find(end, b);
  if (b == std::string::npos || e == std::string::npos) {
    throw std::runtime_error("docs/operations.md has no " + name + "-config-begin/-end block");
  }
  text_ = doc.substr(b + begin.size(), e - b - begin.size());
}

void DocumentedConfig::ReplaceOnce(const std::string& from, const std::string& to) {
  const size_t at = text_.find(from);
  if (at == std::string::npos || text_.find(from, at + 1) != std::string::npos) {
    throw std::runtime_error("docs/operations.md's " + what_ + " must contain \"" + from +
                             "\" exactly once");
  }
  text_.replace(at, from.size(), to);
}

bool LoopbackPortAccepts(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace keyward_it
