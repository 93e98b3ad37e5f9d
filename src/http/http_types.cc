#include "http/http_types.h"

namespace keyward {

std::optional<std::string_view> HttpResponse::Find(std::string_view name) const {
  std::string_view rest = headers;
  while (!rest.empty()) {
    const size_t eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    if (line.size() > name.size() + 1 && line.starts_with(name) && line[name.size()] == ':') {
      return line.substr(name.size() + 2);
    }
  }
  return std::nullopt;
}

}  // namespace keyward
