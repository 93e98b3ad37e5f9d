#include "http/request_target.h"

namespace keyward {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

// A character a route pattern may hold (core/route_table.cc: printable ASCII without space, '?',
// '#'), other than those whose encoded form means something else than the character: '/', '.',
// '\\' (refused by CheckTarget), '%' (decoding it would make a new triplet) and '*'.
bool DecodesForMatching(int byte) {
  if (byte <= ' ' || byte > '~') return false;
  switch (byte) {
    case '/':
    case '.':
    case '\\':
    case '%':
    case '?':
    case '#':
    case '*':
      return false;
    default:
      return true;
  }
}

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == t) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string> CheckTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return "The request target must be a path (origin-form).";
  }
  const std::string_view path = target.substr(0, target.find('?'));
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') return "The request path must not contain encoded dots or slashes.";
    if (path[i] != '%') continue;
    const int hi = i + 2 < path.size() ? HexValue(path[i + 1]) : -1;
    const int lo = hi >= 0 ? HexValue(path[i + 2]) : -1;
    if (lo < 0) return "The request path has a malformed percent-encoding.";
    const int byte = hi * 16 + lo;
    // Dot segments, plain or percent-encoded, and encoded slashes: the upstream might resolve them
    // to a path other than the one whose permission and limits keyward checked.
    if (byte == '.' || byte == '/' || byte == '\\') {
      return "The request path must not contain encoded dots or slashes.";
    }
    i += 2;
  }
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "." || seg == "..") return "The request path must not contain dot segments.";
    start = end + 1;
  }
  return std::nullopt;
}

std::string_view MatchPath(std::string_view target, std::string* scratch) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path.find('%') == std::string_view::npos && path.find("//") == std::string_view::npos) {
    return path;  // the common case: nothing to rewrite
  }
  scratch->clear();
  scratch->reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '/' && !scratch->empty() && scratch->back() == '/') continue;
    if (c == '%' && i + 2 < path.size()) {
      const int hi = HexValue(path[i + 1]), lo = HexValue(path[i + 2]);
      if (hi >= 0 && lo >= 0) {
        const int byte = hi * 16 + lo;
        if (DecodesForMatching(byte)) {
          scratch->push_back(static_cast<char>(byte));
        } else {
          scratch->push_back('%');
          scratch->push_back(Upper(path[i + 1]));
          scratch->push_back(Upper(path[i + 2]));
        }
        i += 2;
        continue;
      }
    }
    scratch->push_back(c);
  }
  return *scratch;
}

bool IsMethodToken(std::string_view method) {
  if (method.empty() || method.size() > 32) return false;
  for (char c : method) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

std::string_view MatchMethod(std::string_view method, std::string* scratch) {
  bool upper = true;
  for (char c : method) upper = upper && !(c >= 'a' && c <= 'z');
  if (upper) return method;
  scratch->assign(method);
  for (char& c : *scratch) c = Upper(c);
  return *scratch;
}

}  // namespace keyward
